"""tools/benchmark.py writes bootstrap intervals and significance marks, checked against mmdet.

A small demo benchmark (12 test images; no enhancement, Zero-DCE and SDAG-guided Zero-DCE) is
run from the command line with 200 resamples. The reference recomputes, for every resample drawn
as documented (``numpy.random.default_rng(seed).integers(0, M, (B, M))``), each row's AP50 with
mmdet's ``eval_map`` (area mode, legacy +1 px coordinates, ground truth read from the annotation
json, predictions from the cell's stored predictions file) on the resampled image list, and
compares the intervals, the paired differences' p-values and the marks in the written tables.
"""
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from small_bench import PROJECT_ROOT, make_small_bench, run_benchmark

DRAWS = 200
ROWS = ('identity', 'zerodce', 'zerodce_sdag')


class SerialPool:
    """eval_map's process pool run in this process (same calls, no fork per call)."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def starmap(self, fn, args):
        return [fn(*a) for a in args]

    def close(self) -> None:
        pass


def reference_draws(cell_dir, ann_file, weights):
    """AP50 of each resample by eval_map, from the stored predictions and the json."""
    from mmdet.evaluation.functional import eval_map
    coco = json.loads(ann_file.read_text())
    cats = [c['id'] for c in coco['categories']]
    out = {}
    for row in ROWS:
        pred = np.load(cell_dir / f'{row}__small__demo_retinanet.predictions.npz')
        dets, anns = [], []
        for index, img_id in enumerate(pred['img_ids']):
            lo, hi = pred['offsets'][index], pred['offsets'][index + 1]
            box, score, label = pred['bboxes'][lo:hi], pred['scores'][lo:hi], \
                pred['labels'][lo:hi]
            dets.append([np.hstack([box[label == c], score[label == c, None]])
                         for c in range(len(cats))])
            gts = [a for a in coco['annotations'] if a['image_id'] == int(img_id)]

            def boxes(items):
                return np.array([[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                                  a['bbox'][1] + a['bbox'][3]] for a in items],
                                np.float32).reshape(-1, 4)

            keep = [a for a in gts if not a.get('iscrowd')]
            crowd = [a for a in gts if a.get('iscrowd')]
            anns.append(dict(bboxes=boxes(keep),
                             labels=np.array([cats.index(a['category_id']) for a in keep]),
                             bboxes_ignore=boxes(crowd),
                             labels_ignore=np.array([cats.index(a['category_id'])
                                                     for a in crowd])))
        values = []
        for counts in np.vstack([np.ones(len(dets), int), weights]):
            picked = [i for i, n in enumerate(counts) for _ in range(n)]
            mean, _ = eval_map([dets[i] for i in picked], [anns[i] for i in picked],
                               iou_thr=0.5, eval_mode='area', use_legacy_coordinate=True,
                               logger='silent', nproc=1)
            values.append(mean)
        out[row] = np.array(values)  # [plain, resample 1..B]
    return out


def p_value(diff):
    share = min((1 + np.sum(diff <= 0)) / (len(diff) + 1), (1 + np.sum(diff >= 0)) /
                (len(diff) + 1))
    return min(1.0, 2 * share)


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
    picks = np.random.default_rng(3).integers(0, 12, size=(DRAWS, 12))
    weights = np.stack([np.bincount(p, minlength=12) for p in picks])
    ref = reference_draws(work / 'cells', bench['ann'], weights)

    table = pd.read_csv(work / 'leaderboard.csv').set_index('enhancer')
    for row in ROWS:
        low, high = np.percentile(ref[row][1:], [2.5, 97.5])
        assert table.loc[row, 'AP50_lo'] == pytest.approx(low, abs=2e-5), row
        assert table.loc[row, 'AP50_hi'] == pytest.approx(high, abs=2e-5), row
    expected_p = {}
    for row in ('zerodce', 'zerodce_sdag'):
        diff = ref[row][1:] - ref['identity'][1:]
        expected_p[row] = p_value(diff)
        assert table.loc[row, 'p(ΔAP50)'] == pytest.approx(expected_p[row]), row
        assert table.loc[row, 'ΔAP50_lo'] == pytest.approx(np.percentile(diff, 2.5), abs=2e-5)
    gain = ref['zerodce_sdag'][1:] - ref['zerodce'][1:]
    assert table.loc['zerodce_sdag', 'p(Δbase)'] == pytest.approx(p_value(gain))
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
    assert set(agreement.quality) == {'niqe', 'psnr', 'ssim'} and (agreement.rows == 3).all()
