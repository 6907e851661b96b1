"""A damaged store is reported, kept aside and repaired; no traceback reaches the user."""
import errno
import json
import os
import stat

import pytest
from small_bench import make_small_bench, read_cell, run_benchmark

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.store.result_store import ResultStore
from sdag_bench.utils.atomic_files import StoreError, temp_name
from tools.make_tables import main as make_tables_main

CELL = 'identity__small__demo_retinanet'
RECORD = dict(key='k1', metrics=dict(AP50=0.5))


def _cell(tmp_path, name='gamma'):
    enh = tmp_path / f'{name}.py'
    enh.write_text("enhancer = dict(type='Gamma', gamma=0.4)\n")
    return CellSpec(EnhancerSpec(name, str(enh)), DatasetSpec('d', str(enh)),
                    DetectorSpec('det', str(enh)))


DAMAGE = {
    'random bytes': lambda p: p.write_bytes(bytes(range(256)) * 4),
    'null': lambda p: p.write_text('null'),
    'a list': lambda p: p.write_text('[1, 2]'),
    'truncated': lambda p: p.write_text(json.dumps(RECORD)[:17]),
    'a folder': lambda p: p.mkdir(),
    'an object without metrics': lambda p: p.write_text('{"key": "k1"}'),
}


@pytest.mark.parametrize('damage', sorted(DAMAGE))
def test_damaged_cell_is_named_moved_aside_and_missing(tmp_path, capsys, damage):
    cell = _cell(tmp_path)
    store = ResultStore(str(tmp_path / 'results'))
    store.save(cell, dict(RECORD))
    path = store.path(cell)
    os.remove(path)
    DAMAGE[damage](tmp_path / 'results' / 'cells' / os.path.basename(path))
    assert list(store.records()) == [] and len(store.skipped) == 1
    assert path in capsys.readouterr().err  # make_tables / seed tables: named and skipped
    assert store.load(cell, 'k1') is None
    err = capsys.readouterr().err
    assert path in err and 'damaged' in err
    assert not os.path.lexists(path)
    aside = os.listdir(store.damaged_dir)
    assert len(aside) == 1 and aside[0].startswith(os.path.basename(path))
    store.save(cell, dict(RECORD))  # recomputed: a normal record again
    assert store.load(cell, 'k1')['metrics'] == RECORD['metrics']


def test_nan_is_stored_as_null_and_counted(tmp_path):
    cell = _cell(tmp_path)
    store = ResultStore(str(tmp_path))
    store.save(cell, dict(key='k', metrics=dict(AP50=float('nan'), niqe=float('inf'), psnr=3.0)))

    def reject(token):
        raise ValueError(token)

    with open(store.path(cell)) as f:
        record = json.load(f, parse_constant=reject)
    assert record['metrics'] == dict(AP50=None, niqe=None, psnr=3.0)
    assert record['nonfinite_values'] == ['metrics/AP50', 'metrics/niqe']


@pytest.mark.parametrize('umask', [0o022, 0o002])
def test_files_follow_the_users_umask(tmp_path, umask):
    cell = _cell(tmp_path)
    store = ResultStore(str(tmp_path))
    old = os.umask(umask)
    try:
        store.save(cell, dict(RECORD))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(store.path(cell)).st_mode) == 0o666 & ~umask


def test_only_temporaries_of_dead_writers_are_removed(tmp_path):
    import subprocess
    import sys
    store = ResultStore(str(tmp_path))
    os.makedirs(store.cell_dir)
    live = temp_name('.json')  # this process: alive
    dead_proc = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                               capture_output=True, text=True)
    dead = live.replace(f'-{os.getpid()}-', f'-{int(dead_proc.stdout)}-')
    for name in (live, dead, '.tmp-legacy.json'):
        open(os.path.join(store.cell_dir, name), 'w').write('{')
    assert sorted(store.clean_temporaries()) == sorted([dead, '.tmp-legacy.json'])
    assert os.listdir(store.cell_dir) == [live]


def test_full_disk_names_the_folder_and_leaves_no_file(tmp_path, monkeypatch):
    cell = _cell(tmp_path)
    store = ResultStore(str(tmp_path))

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, 'fsync', full)
    with pytest.raises(StoreError, match='no space left in ' + store.cell_dir):
        store.save(cell, dict(RECORD))
    assert os.listdir(store.cell_dir) == []


def test_benchmark_repairs_damaged_cells_and_tables_skip_them(tmp_path):
    bench = make_small_bench(tmp_path)
    work = tmp_path / 'work'
    first = run_benchmark(bench['bench'], work)
    assert first.returncode == 0, first.stderr[-3000:]
    expected = read_cell(work, CELL)['metrics']
    path = work / 'cells' / f'{CELL}.json'
    path.write_text(path.read_text()[:100])  # truncated
    assert make_tables_main(['--work-dir', str(work)]) == 2  # no readable cell: a clear error
    again = run_benchmark(bench['bench'], work)
    assert again.returncode == 0 and 'Traceback' not in again.stderr, again.stderr[-3000:]
    assert str(path) in again.stderr and 'damaged' in again.stderr
    assert '1 cells (0 reused, 1 run)' in again.stdout
    assert read_cell(work, CELL)['metrics'] == expected
    # set aside as a unit: the record and the predictions file written with it
    assert sorted(n.split('.')[1] for n in os.listdir(work / 'cells' / 'damaged')) == \
        ['json', 'predictions']
    # a folder in the cell's place: moved aside and recomputed too
    os.remove(path)
    path.mkdir()
    third = run_benchmark(bench['bench'], work)
    assert third.returncode == 0 and 'Traceback' not in third.stderr, third.stderr[-3000:]
    assert read_cell(work, CELL)['metrics'] == expected
    # tables from a store with one good and one damaged cell: warned, not fatal
    (work / 'cells' / 'broken__small__demo_retinanet.json').write_bytes(b'\xff\xfe\x00')
    assert make_tables_main(['--work-dir', str(work)]) == 0


def test_unwritable_work_dir_fails_before_any_compute(tmp_path, monkeypatch):
    bench = make_small_bench(tmp_path)
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a folder')
    result = run_benchmark(bench['bench'], blocker / 'work')
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert str(blocker / 'work' / 'cells') in result.stderr
    # a full disk is found by the same check, before computing
    from sdag_bench.benchmark.run import evaluate

    def never(*args, **kwargs):
        raise AssertionError('computed on a full disk')

    monkeypatch.setattr(evaluate, 'evaluate_cells', never)
    monkeypatch.setattr('sdag_bench.benchmark.run.run_cells.evaluate_cells', never)
    monkeypatch.setattr(os, 'fsync', lambda fd: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, 'No space left on device')))
    full = run_benchmark(bench['bench'], tmp_path / 'full')
    assert full.returncode == 2 and 'Traceback' not in full.stderr
    assert f'no space left in {tmp_path / "full" / "cells"}' in full.stderr


def test_unreadable_test_data_is_named_before_any_compute(tmp_path):
    bench = make_small_bench(tmp_path)
    bench['ann'].write_text('{"images": [')  # a truncated annotation file
    result = run_benchmark(bench['bench'], tmp_path / 'work')
    assert result.returncode == 2 and 'Traceback' not in result.stderr, result.stderr[-3000:]
    assert 'dataset small' in result.stderr and 'test.json' in result.stderr
    assert not (tmp_path / 'work' / 'cells' / f'{CELL}.json').exists()
