"""Fine-tuned rows through tools/benchmark.py: a detector entry pairs each enhancer row with the
weights fine-tuned behind it (``enhancer_checkpoints``), next to the frozen detector.

Uses the committed demo fine-tuned checkpoints (tools/finetune_demo_zoo.sh) on a few demo test
images. The paired cell must equal the same detector run the ordinary way (``--detectors CONFIG
--checkpoint PATH``), unpaired rows are named, the protocol says frozen / fine-tuned and what
the weights were fine-tuned behind, and a pairing the checkpoint's record contradicts is
refused.
"""
import csv
import hashlib
import math

import pytest
from small_bench import PROJECT_ROOT, make_small_bench, read_cell, run_benchmark

FINETUNED = 'configs/detectors/demo_retinanet_finetuned.py'
CKPT = {row: f'checkpoints/demo_finetuned/{row}_s0.pth' for row in ('identity', 'zerodce')}


def _bench(tmp_path, pairing: dict):
    paths = make_small_bench(tmp_path, num_images=6, extra_metrics='[]', cost_cfg='None',
                             enhancer_dirs=['configs/demo_zoo', 'configs/enhancers'])
    text = paths['bench'].read_text()
    text += ("official_suffix = '_official'\n"
             'detectors = dict(\n'
             "    demo_retinanet=dict(config='configs/detectors/demo_retinanet.py',\n"
             "                        checkpoint='checkpoints/demo_retinanet.pth'),\n"
             f'    ft=dict(config={FINETUNED!r}, enhancer_checkpoints={pairing!r}))\n')
    paths['bench'].write_text(text)
    return paths


def _rows(path):
    with open(path) as f:
        return {(r['enhancer'], r['detector']): r for r in csv.DictReader(f)}


@pytest.mark.slow  # five fine-tuned detector rows: ~12 s
def test_paired_finetuned_rows_next_to_the_frozen_detector(tmp_path):
    paths = _bench(tmp_path, CKPT)
    work = tmp_path / 'work'
    result = run_benchmark(paths['bench'], work, 'identity,zerodce,zerodce_sdag')
    assert result.returncode == 0, result.stderr[-3000:]
    assert ('detector ft on small: no fine-tuned checkpoint for 1 enhancer row(s), skipped: '
            'zerodce_sdag') in result.stdout

    rows = _rows(work / 'leaderboard_long.csv')  # two detectors: the long table
    assert set(rows) == {('identity', 'demo_retinanet'), ('zerodce', 'demo_retinanet'),
                         ('zerodce_sdag', 'demo_retinanet'), ('identity', 'ft'),
                         ('zerodce', 'ft')}
    for (_, detector), row in rows.items():
        expected = 'fine-tuned' if detector == 'ft' else 'frozen'
        assert row['protocol.detector_weights'] == expected

    cell = read_cell(work, 'zerodce__small__ft')
    assert cell['cell']['detector']['checkpoint'].endswith(CKPT['zerodce'])
    sha = hashlib.sha256((PROJECT_ROOT / 'checkpoints/demo_zoo/zerodce_s0.pth').read_bytes())
    assert cell['protocol']['fine_tuned_behind'] == \
        f'zerodce (ZeroDCE, weights sha256 {sha.hexdigest()[:8]})'
    assert read_cell(work, 'identity__small__ft')['protocol']['fine_tuned_behind'] == \
        'identity (Identity, no weights)'
    assert read_cell(work, 'zerodce__small__demo_retinanet')['protocol'][
        'fine_tuned_behind'] is None

    # the same detector and weights the ordinary way give the same AP50
    single = tmp_path / 'single'
    plain = run_benchmark(paths['bench'], single, 'zerodce', '--detectors', FINETUNED,
                          '--checkpoint', CKPT['zerodce'])
    assert plain.returncode == 0, plain.stderr[-3000:]
    (alone,) = [r for (e, _), r in _rows(single / 'leaderboard.csv').items() if e == 'zerodce']
    assert math.isclose(float(alone['AP50']), float(rows[('zerodce', 'ft')]['AP50']),
                        abs_tol=1e-9)
    assert alone['protocol.detector_weights'] == 'fine-tuned'

    # the side-by-side table reads the same cells
    from tools.finetuned_table import main as table_main
    assert table_main(['--work-dir', str(work), '--out', str(tmp_path / 'cmp'),
                       '--draws', '0']) == 0
    with open(tmp_path / 'cmp.csv') as f:
        table = {r['enhancer']: r for r in csv.DictReader(f)}
    assert float(table['zerodce']['frozen']) == float(rows[('zerodce', 'demo_retinanet')]['AP50'])
    assert float(table['zerodce']['fine-tuned/ft']) == float(rows[('zerodce', 'ft')]['AP50'])
    assert table['zerodce_sdag']['fine-tuned/ft'] == ''  # no pairing: empty, not invented
    assert math.isclose(float(table['zerodce_sdag']['gain frozen']),
                        float(rows[('zerodce_sdag', 'demo_retinanet')]['AP50']) -
                        float(rows[('zerodce', 'demo_retinanet')]['AP50']), abs_tol=1e-9)


def test_pairing_contradicted_by_the_checkpoint_record_is_refused(tmp_path):
    paths = _bench(tmp_path, dict(identity=CKPT['zerodce'], zerodce=CKPT['identity']))
    work = tmp_path / 'work'
    result = run_benchmark(paths['bench'], work, 'identity,zerodce')
    assert result.returncode == 2
    # rows in order: identity first, paired with the weights fine-tuned behind zerodce
    assert 'zerodce_s0.pth was fine-tuned behind zerodce (ZeroDCE, weights sha256' in \
        result.stderr
    assert 'pairs it with enhancer row identity (Identity, no weights)' in result.stderr
    assert not (work / 'cells').exists() or not any((work / 'cells').glob('*.json'))
