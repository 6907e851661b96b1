"""A finished cell is reused only when nothing that changes its numbers changed.

Each case was reproduced on the store keyed over configs and checkpoints only: the old cell was
served as new. Every run goes through ``tools/benchmark.py`` on a small copy of the demo set.
"""
import json
import os
import shutil

import pytest
import torch
from small_bench import CHECKPOINT, PROJECT_ROOT, make_small_bench, read_cell, run_benchmark

CELL = 'identity__small__demo_retinanet'


def _ran(result, computed: int, total: int = 1) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert f'{total} cells ({total - computed} reused, {computed} run)' in result.stdout, \
        result.stdout[-2000:]


def _has_ssim(record: dict) -> bool:
    return any(name.split('/')[-1] == 'ssim' for name in record['metrics'])


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_other_metrics_or_cost_size_recompute_the_cell(tmp_path):
    bench = make_small_bench(tmp_path)
    work = tmp_path / 'work'
    _ran(run_benchmark(bench['bench'], work), 1)
    assert _has_ssim(read_cell(work, CELL))
    _ran(run_benchmark(bench['bench'], work), 0)  # unchanged: reused
    other = make_small_bench(tmp_path, name='no_ssim.py',
                             extra_metrics="[dict(type='ImageQualityMetric', "
                             "metrics=('niqe', 'psnr'))]")
    _ran(run_benchmark(other['bench'], work), 1)
    assert not _has_ssim(read_cell(work, CELL))
    bigger = make_small_bench(tmp_path, name='cost.py', extra_metrics="[dict(type="
                              "'ImageQualityMetric', metrics=('niqe', 'psnr'))]",
                              cost_cfg='dict(input_size=(96, 96), warmup=0, repeats=1)')
    _ran(run_benchmark(bigger['bench'], work), 1)
    record = read_cell(work, CELL)
    assert record['inputs']['settings']['cost_cfg']['input_size'] == [96, 96]


def test_a_moved_box_or_replaced_images_recompute_the_cell(tmp_path):
    bench = make_small_bench(tmp_path)
    work = tmp_path / 'work'
    _ran(run_benchmark(bench['bench'], work), 1)
    before = read_cell(work, CELL)
    # (b) one test box moved in the annotation file
    coco = json.loads(bench['ann'].read_text())
    x, y, w, h = coco['annotations'][0]['bbox']
    coco['annotations'][0]['bbox'] = [x + 30, y + 30, w, h]
    bench['ann'].write_text(json.dumps(coco))
    _ran(run_benchmark(bench['bench'], work), 1)
    moved = read_cell(work, CELL)
    assert moved['inputs']['data']['annotations'] != before['inputs']['data']['annotations']
    assert moved['inputs']['data']['images'] == before['inputs']['data']['images']
    # (c) the dark test images replaced by their normal-light versions
    for image in (bench['data'] / 'normal' / 'test').iterdir():
        shutil.copyfile(image, bench['data'] / 'dark' / 'test' / image.name)
    _ran(run_benchmark(bench['bench'], work), 1)
    bright = read_cell(work, CELL)
    assert bright['inputs']['data']['images'] != moved['inputs']['data']['images']
    assert bright['metrics']['AP50'] > moved['metrics']['AP50'] + 0.1
    assert bright['metrics']['psnr'] is None or bright['metrics']['psnr'] > 30


def test_other_detector_weights_get_their_own_cell(tmp_path):
    bench = make_small_bench(tmp_path)
    work = tmp_path / 'work'
    _ran(run_benchmark(bench['bench'], work), 1)
    default_file = work / 'cells' / f'{CELL}.json'
    default_text = default_file.read_text()
    state = torch.load(PROJECT_ROOT / CHECKPOINT, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    first = next(k for k, v in state.items() if v.is_floating_point())
    state[first] = state[first] * 0.5
    other = tmp_path / 'other.pth'
    torch.save(state, other)
    _ran(run_benchmark(bench['bench'], work, 'identity', '--detectors', 'demo_retinanet',
                       '--checkpoint', str(other)), 1)
    assert default_file.read_text() == default_text  # the default weights' cell untouched
    cells = sorted(f for f in os.listdir(work / 'cells') if f.endswith('.json'))
    assert len(cells) == 2, cells
    other_cell = next(c for c in cells if c != f'{CELL}.json')
    assert other_cell.startswith('identity__small__demo_retinanet@')
    # the default weights given explicitly are the default row
    _ran(run_benchmark(bench['bench'], work, 'identity', '--detectors', 'demo_retinanet',
                       '--checkpoint', str(PROJECT_ROOT / CHECKPOINT)), 0)


def test_verify_recomputes_and_reports_a_cell_that_differs(tmp_path):
    bench = make_small_bench(tmp_path)
    work = tmp_path / 'work'
    _ran(run_benchmark(bench['bench'], work), 1)
    same = run_benchmark(bench['bench'], work, 'identity', '--verify', '1')
    assert same.returncode == 0, same.stderr[-2000:]
    assert f'[verify] {CELL}: same' in same.stdout
    # a stored number changed behind the key's back (as a code change would)
    path = work / 'cells' / f'{CELL}.json'
    record = json.loads(path.read_text())
    record['metrics']['AP50'] += 0.25
    path.write_text(json.dumps(record))
    differs = run_benchmark(bench['bench'], work, 'identity', '--verify', '1')
    assert differs.returncode == 1
    assert f'[verify] {CELL}: DIFFERS' in differs.stdout and 'AP50' in differs.stdout
