"""tools/benchmark.py writes bootstrap intervals and significance marks, checked against mmdet.

A small demo benchmark (12 test images; no enhancement, Zero-DCE and SDAG-guided Zero-DCE) is
run from the command line with 200 resamples. The reference recomputes, for every resample drawn
as documented (``numpy.random.default_rng(seed).integers(0, M, (B, M))``), each row's AP50 with
mmdet's ``eval_map`` (area mode, legacy +1 px coordinates, ground truth read from the annotation
json, predictions from the cell's stored predictions file) on the resampled image list, and
compares the intervals, the paired differences' p-values and the marks in the written tables.
"""
import shutil

import numpy as np
import pandas as pd
import pytest
from eval_map_reference import SerialPool, bootstrap_p, documented_weights, eval_map_draws
from small_bench import PROJECT_ROOT, make_small_bench, run_benchmark

DRAWS = 200
ROWS = ('identity', 'zerodce', 'zerodce_sdag')


def test_leaderboard_intervals_and_marks_equal_eval_map_resamples(tmp_path, monkeypatch):
    extra = tmp_path / 'bounds'
    extra.mkdir()
    shutil.copy(PROJECT_ROOT / 'configs' / 'enhancers' / 'identity.py', extra)
    bench = make_small_bench(tmp_path, num_images=12,
                             enhancer_dirs=['configs/demo_zoo', str(extra)])
    work = tmp_path / 'work'
    result = run_benchmark(bench['bench'], work, ','.join(ROWS), '--bootstrap', str(DRAWS),
                           '--bootstrap-seed', '3')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'no stored predictions' not in result.stdout, result.stdout[-3000:]

    from mmdet.evaluation.functional import mean_ap
    monkeypatch.setattr(mean_ap, 'Pool', SerialPool)
    weights = documented_weights(12, DRAWS, seed=3)
    ref = {row: eval_map_draws(work / 'cells' / f'{row}__small__demo_retinanet.predictions.npz',
                               bench['ann'], weights) for row in ROWS}

    table = pd.read_csv(work / 'leaderboard.csv').set_index('enhancer')
    for row in ROWS:
        low, high = np.percentile(ref[row][1:], [2.5, 97.5])
        assert table.loc[row, 'AP50_lo'] == pytest.approx(low, abs=2e-5), row
        assert table.loc[row, 'AP50_hi'] == pytest.approx(high, abs=2e-5), row
    expected_p = {}
    for row in ('zerodce', 'zerodce_sdag'):
        diff = ref[row][1:] - ref['identity'][1:]
        expected_p[row] = bootstrap_p(diff)
        assert table.loc[row, 'p(ΔAP50)'] == pytest.approx(expected_p[row]), row
        assert table.loc[row, 'ΔAP50_lo'] == pytest.approx(np.percentile(diff, 2.5), abs=2e-5)
    gain = ref['zerodce_sdag'][1:] - ref['zerodce'][1:]
    assert table.loc['zerodce_sdag', 'p(Δbase)'] == pytest.approx(bootstrap_p(gain))
    assert table.loc['zerodce_sdag', 'Δbase'] == pytest.approx(
        ref['zerodce_sdag'][0] - ref['zerodce'][0], abs=2e-5)
    assert np.isnan(table.loc['zerodce', 'Δbase'])  # a plain row has no base

    # the markdown shows 'value [low, high]' and a mark exactly where p < 0.05
    lines = {line.split('|')[1].strip(): line for line in
             (work / 'leaderboard.md').read_text().splitlines() if line.startswith('| ')}
    header = [c.strip() for c in lines['enhancer'].strip('|').split('|')]
    for row in ('zerodce', 'zerodce_sdag'):
        cells = [c.strip() for c in lines[row].strip('|').split('|')]
        shown = cells[header.index('ΔAP50')]
        assert shown.split(' [')[0].endswith('*') == (expected_p[row] < 0.05), shown
        low, high = np.percentile(ref[row][1:] - ref['identity'][1:], [2.5, 97.5])
        assert shown.endswith(f'[{low:+.3f}, {high:+.3f}]'), shown
    assert 'AP50_lo' not in header and 'bootstrap interval' in (work / 'leaderboard.md').read_text()
    tex = (work / 'leaderboard.tex').read_text()
    assert f"{table.loc['identity', 'AP50_lo']:.3f}" in tex
    agreement = pd.read_csv(work / 'agreement.csv')
    assert set(agreement.quality) == {'niqe', 'psnr', 'ssim', 'confident_per_image',
                                      'top_confidence'} and (agreement.rows == 3).all()
    assert 'its interval can end below the τ itself' in (work / 'agreement.md').read_text()

    # the plots read the same CSV: error bars from AP50_lo/_hi, tau per quality metric
    import matplotlib.axes
    from sdag_bench.benchmark.report.interval_plots import plot_ap_intervals, plot_quality_vs_ap
    frame = pd.read_csv(work / 'leaderboard.csv')
    bars = []
    errorbar = matplotlib.axes.Axes.errorbar
    monkeypatch.setattr(matplotlib.axes.Axes, 'errorbar', lambda self, *a, **k: (
        bars.append((a, k.get('xerr'), k.get('yerr'))), errorbar(self, *a, **k))[1])
    assert plot_ap_intervals(frame, str(tmp_path / 'ap.png')) == str(tmp_path / 'ap.png')
    # one bar per row at its AP50, reaching from AP50_lo to AP50_hi
    (ap50, _), xerr, _ = bars.pop()
    assert sorted(ap50) == sorted(frame.AP50)
    for value, low, high in zip(ap50, *xerr):
        row = frame[frame.AP50 == value].iloc[0]
        assert value - low == pytest.approx(row.AP50_lo)
        assert value + high == pytest.approx(row.AP50_hi)
    assert plot_quality_vs_ap(frame, agreement, str(tmp_path / 'q.png')) == str(tmp_path / 'q.png')
    assert bars, 'no error bars in the quality plot'
    bars.clear()
    import cv2
    for name in ('ap.png', 'q.png'):
        assert cv2.imread(str(tmp_path / name)).std() > 5, name  # a drawn image, not blank
    assert plot_ap_intervals(frame.drop(columns=['AP50_lo', 'AP50_hi']), str(tmp_path / 'x.png')) \
        is None
    # the leaderboard's AP vs NIQE scatter: one pair of error bars per row, from the same CSV
    from sdag_bench.benchmark.report.plots import plot_ap_vs_niqe
    plot_ap_vs_niqe(frame, str(tmp_path / 'scatter.png'))
    assert len(bars) == len(ROWS)
    for (x, y), xerr, yerr in bars:
        row = frame[frame.AP50 == y].iloc[0]
        assert yerr == [[pytest.approx(y - row.AP50_lo)], [pytest.approx(row.AP50_hi - y)]]
        assert xerr == [[pytest.approx(x - row.NIQE_lo)], [pytest.approx(row.NIQE_hi - x)]]


def test_confident_detection_intervals_from_stored_scores(tmp_path):
    """Unlabelled photos' column: confident detections (score >= the metric's threshold) per
    resample = the resample's image counts times each image's confident detections."""
    bench = make_small_bench(tmp_path, num_images=8, extra_metrics=(
        "[dict(type='ConfidentDetectionCount', score_thr=0.3)]"))
    work = tmp_path / 'work'
    result = run_benchmark(bench['bench'], work, 'identity', '--bootstrap', '300',
                           '--bootstrap-seed', '9')
    assert result.returncode == 0, result.stderr[-3000:]
    pred = np.load(work / 'cells' / 'identity__small__demo_retinanet.predictions.npz')
    per_image = np.array([np.sum(pred['scores'][lo:hi] >= 0.3) for lo, hi in
                          zip(pred['offsets'][:-1], pred['offsets'][1:])])
    counts = documented_weights(8, 300, seed=9) @ per_image
    row = pd.read_csv(work / 'leaderboard.csv').set_index('enhancer').loc['identity']
    assert row['detections'] == per_image.sum()
    assert row['detections_lo'] == pytest.approx(np.percentile(counts, 2.5))
    assert row['detections_hi'] == pytest.approx(np.percentile(counts, 97.5))
    assert row['det./img_hi'] == pytest.approx(np.percentile(counts / 8, 97.5))
