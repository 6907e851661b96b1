"""The first benchmark end to end: demo set, the committed frozen demo detector, real mmdet."""
import os

import pytest

from sdag_bench.benchmark.cells import ResultStore
from tools.benchmark import main as benchmark_main

CHECKPOINT = 'checkpoints/demo_retinanet.pth'


@pytest.fixture(scope='module')
def first_run(tmp_path_factory):
    if not os.path.isfile(CHECKPOINT):
        pytest.fail(f'{CHECKPOINT} is missing: it is committed with the repository')
    work_dir = str(tmp_path_factory.mktemp('bench'))
    assert benchmark_main(['--enhancers', 'identity,gamma', '--work-dir', work_dir,
                           '--no-progress']) == 0
    records = {r['cell']['enhancer']['name']: r for r in ResultStore(work_dir).records()}
    return work_dir, records


def test_demo_detector_ap_normal_high_dark_lower_enhancer_matters(first_run):
    _, records = first_run
    assert set(records) == {'normal_light', 'identity', 'gamma'}
    normal = records['normal_light']['metrics']['AP50']
    dark = records['identity']['metrics']['AP50']
    gamma = records['gamma']['metrics']['AP50']
    assert normal >= 0.8, normal
    assert dark <= normal - 0.1, (normal, dark)
    assert abs(gamma - dark) > 0.005, (gamma, dark)
    for record in records.values():
        assert record['num_images'] == 200
        assert 0 <= record['metrics']['mAP'] <= record['raw_metrics']['coco/bbox_mAP_50']
        assert record['versions']['mmdet'] == '3.3.0' and record['split'] == 'test'


def test_tables_written_and_sorted(first_run):
    work_dir, records = first_run
    for ext in ('md', 'csv', 'tex'):
        assert os.path.getsize(os.path.join(work_dir, f'leaderboard.{ext}')) > 0
    import pandas as pd
    table = pd.read_csv(os.path.join(work_dir, 'leaderboard.csv'))
    assert list(table.enhancer)[0] == 'normal_light' and list(table.enhancer)[-1] == 'identity'
    row = table[table.enhancer == 'gamma'].iloc[0]
    expected = records['gamma']['metrics']['AP50'] - records['identity']['metrics']['AP50']
    assert row['ΔAP50'] == pytest.approx(expected)


def test_second_run_reuses_cells_and_a_deleted_cell_is_recomputed(first_run, capsys):
    work_dir, records = first_run
    store = ResultStore(work_dir)
    mtimes = {n: os.stat(os.path.join(store.cell_dir, f)).st_mtime_ns
              for n, f in ((r, f'{r}__demo__demo_retinanet.json') for r in records)}
    os.remove(os.path.join(store.cell_dir, 'gamma__demo__demo_retinanet.json'))
    assert benchmark_main(['--enhancers', 'identity,gamma', '--work-dir', work_dir,
                           '--no-progress']) == 0
    assert '3 cells (2 reused, 1 run)' in capsys.readouterr().out
    new = {r['cell']['enhancer']['name']: r for r in store.records()}
    assert new['gamma']['metrics'] == records['gamma']['metrics']  # deterministic
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
