"""The first benchmark end to end: demo set, the committed frozen demo detector, real mmdet
(the pytest session's demo run, tests/conftest.py ``demo_run``)."""
import json
import os

import pytest

from sdag_bench.benchmark.store.result_store import ResultStore
from sdag_bench.utils.paths import PROJECT_ROOT
from tools.benchmark import main as benchmark_main

CHECKPOINT = 'checkpoints/demo_retinanet.pth'


COMMITTED = PROJECT_ROOT / 'results' / 'demo' / 'cells'
ROWS = ('normal_light', 'identity', 'gamma')


@pytest.fixture
def first_run(demo_run):
    """The pytest session's demo run (tools/benchmark.py --enhancers identity,gamma), records."""
    if not os.path.isfile(PROJECT_ROOT / CHECKPOINT):
        pytest.fail(f'{CHECKPOINT} is missing: it is committed with the repository')
    records = {r['cell']['enhancer']['name']: r for r in ResultStore(str(demo_run)).records()}
    return str(demo_run), records


def _committed(name: str) -> dict:
    with open(COMMITTED / f'{name}__demo__demo_retinanet.json') as f:
        return json.load(f)


def test_demo_run_reproduces_the_committed_cells(first_run):
    """A fresh run gives the committed demo numbers (results/demo, 200 test images): the frozen
    demo detector finds the shapes in the normal-light images (AP50 0.891), loses half of them
    in the dark ones (0.403), and Gamma brightening costs it 0.089 more (0.314)."""
    _, records = first_run
    assert set(records) == set(ROWS)
    for name in ROWS:
        record, committed = records[name], _committed(name)
        assert record['key'] == committed['key'], name
        for metric in ('AP50', 'mAP', 'AP75'):
            assert record['metrics'][metric] == committed['metrics'][metric], (name, metric)
        for metric in ('niqe', 'psnr', 'ssim'):  # None: not finite (PSNR of an image to itself)
            expected = committed['metrics'][metric]
            assert record['metrics'][metric] == (expected if expected is None else pytest.approx(
                expected, rel=1e-6)), (name, metric)
        assert record['num_images'] == 200 and record['split'] == 'test'
        assert record['versions']['mmdet'] == '3.3.0'
    ap50 = {name: round(records[name]['metrics']['AP50'], 3) for name in ROWS}
    assert ap50 == dict(normal_light=0.891, identity=0.403, gamma=0.314)


def test_tables_written_and_sorted(first_run):
    work_dir, records = first_run
    import pandas as pd
    table = pd.read_csv(os.path.join(work_dir, 'leaderboard.csv'))
    assert list(table.enhancer) == ['normal_light', 'gamma', 'identity']
    for name in ROWS:
        row = table[table.enhancer == name].iloc[0]
        assert row['AP50'] == pytest.approx(records[name]['metrics']['AP50'])
        expected = records[name]['metrics']['AP50'] - records['identity']['metrics']['AP50']
        assert row['ΔAP50'] == pytest.approx(expected)
    for ext in ('md', 'tex'):
        text = open(os.path.join(work_dir, f'leaderboard.{ext}')).read()
        assert all(name.replace('_', r'\_' if ext == 'tex' else '_') in text for name in ROWS)


def test_second_run_reuses_cells_and_a_deleted_cell_is_recomputed(
        first_run, demo_run_copy, capsys):
    _, records = first_run
    work_dir = str(demo_run_copy)
    store = ResultStore(work_dir)
    mtimes = {n: os.stat(os.path.join(store.cell_dir, f)).st_mtime_ns
              for n, f in ((r, f'{r}__demo__demo_retinanet.json') for r in records)}
    os.remove(os.path.join(store.cell_dir, 'gamma__demo__demo_retinanet.json'))
    assert benchmark_main(['--enhancers', 'identity,gamma', '--work-dir', work_dir,
                           '--no-progress', '--bootstrap', '0', '--no-plots']) == 0
    assert '3 cells (2 reused, 1 run)' in capsys.readouterr().out
    new = {r['cell']['enhancer']['name']: r for r in store.records()}
    # deterministic: AP exactly; the image-quality means to float rounding (the first run may
    # come from another process, e.g. a pytest-xdist worker); the timing is measured again
    metrics, before = new['gamma']['metrics'], records['gamma']['metrics']
    assert metrics.keys() == before.keys()
    for metric, value in before.items():
        if metric == 'cost/ms_per_image':
            continue
        if metric.startswith(('AP', 'mAP')) or not isinstance(value, float):
            assert metrics[metric] == value, metric
        else:
            assert metrics[metric] == pytest.approx(value, rel=1e-6), metric
    for name in ('normal_light', 'identity'):
        path = os.path.join(store.cell_dir, f'{name}__demo__demo_retinanet.json')
        assert os.stat(path).st_mtime_ns == mtimes[name]
    assert not [f for f in os.listdir(store.cell_dir) if f.startswith('.tmp-')]


def test_unknown_enhancer_or_detector_lists_known_ones(capsys):
    assert benchmark_main(['--enhancers', 'no_such_method', '--no-progress']) == 2
    err = capsys.readouterr().err
    assert 'no_such_method' in err and 'gamma' in err and 'identity' in err
    assert benchmark_main(['--enhancers', 'gamma', '--detectors', 'yolo9000',
                           '--no-progress']) == 2
    err = capsys.readouterr().err
    assert 'yolo9000' in err and 'demo_retinanet' in err


def test_missing_detector_checkpoint_is_a_clear_error(capsys, tmp_path):
    missing = str(tmp_path / 'retinanet_coco.pth')
    assert benchmark_main(['--enhancers', 'identity', '--checkpoint', missing,
                           '--no-progress']) == 2
    assert 'retinanet_coco.pth not found' in capsys.readouterr().err
