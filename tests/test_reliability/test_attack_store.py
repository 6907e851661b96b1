"""The results store under attack: no stale, foreign or edited number is served.

Each test starts from a copy of one computed small benchmark (4 demo images, ``identity`` and
``gamma``), breaks the store the way a kill, a careless copy or an edit would, and runs the tools
a researcher types: ``tools/benchmark.py`` must set the broken unit aside (``cells/damaged/``,
a warning naming the file) and recompute it, ``tools/rescore.py`` must refuse it,
``tools/make_tables.py`` must name what it skips. The numbers after repair are those of the
untouched store (intervals from the same resamples: equal).
"""
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from attack_bench import ENHANCERS, LEAN, copy_work, intervals, printed_rows, run_tool
from small_bench import make_small_bench, read_cell, run_benchmark

ARGS = ('--bootstrap', '50')
IDENTITY = 'identity__small__demo_retinanet'
GAMMA = 'gamma__small__demo_retinanet'
NPZ = '.predictions.npz'


@pytest.fixture(scope='module')
def computed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('attack_store')
    bench = make_small_bench(tmp, num_images=4, **LEAN)
    work = tmp / 'work'
    first = run_benchmark(bench['bench'], work, ENHANCERS, *ARGS)
    assert first.returncode == 0, first.stderr[-3000:]
    return bench, work, first


@pytest.fixture
def store(computed, tmp_path):
    """(bench, a private copy of the computed work dir, the first run)."""
    bench, work, first = computed
    return bench, copy_work(work, tmp_path / 'work'), first


def _damaged(work) -> list:
    folder = work / 'cells' / 'damaged'
    return sorted(p.name.split('.json')[0].split(NPZ)[0] + ('.json' if '.json' in p.name else NPZ)
                  for p in folder.iterdir()) if folder.is_dir() else []


def _repaired(bench, work, first, recomputed: int) -> None:
    """A benchmark run over the damaged store: exit 0, ``recomputed`` cells run again, the
    printed table and the intervals those of the untouched store."""
    again = run_benchmark(bench['bench'], work, ENHANCERS, *ARGS)
    assert again.returncode == 0 and 'Traceback' not in again.stderr, again.stderr[-3000:]
    assert f'2 cells ({2 - recomputed} reused, {recomputed} run)' in again.stdout
    shown, expected = printed_rows(again.stdout), printed_rows(first.stdout)
    for enhancer in ('identity', 'gamma'):
        assert shown[enhancer]['AP50'] == expected[enhancer]['AP50']
    pd.testing.assert_frame_equal(intervals(work), intervals(first_work(first)))
    return again


def first_work(first) -> Path:
    """The work dir of the first run (from its command line)."""
    return Path(first.args[first.args.index('--work-dir') + 1])


def test_record_left_beside_newer_predictions_is_set_aside_and_recomputed(store, tmp_path):
    """A kill between the two renames of a recomputation leaves the new predictions file beside
    the old record, whose key may still be current."""
    bench, work, first = store
    other = make_small_bench(tmp_path / 'other', num_images=3, **LEAN)  # a later computation
    later = run_benchmark(other['bench'], tmp_path / 'other_work', 'identity', *ARGS)
    assert later.returncode == 0, later.stderr[-3000:]
    (work / 'cells' / f'{IDENTITY}{NPZ}').write_bytes(
        (tmp_path / 'other_work' / 'cells' / f'{IDENTITY}{NPZ}').read_bytes())
    again = _repaired(bench, work, first, recomputed=1)
    assert f'{IDENTITY}{NPZ} is not the predictions file of this record' in again.stderr
    assert 'moved to' in again.stderr
    assert _damaged(work) == [f'{IDENTITY}.json', f'{IDENTITY}{NPZ}']


def test_swapped_predictions_files_give_no_intervals_of_the_wrong_cell(store):
    bench, work, first = store
    cells = work / 'cells'
    a, b = cells / f'{IDENTITY}{NPZ}', cells / f'{GAMMA}{NPZ}'
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    code, _, err = run_tool('make_tables', ['--work-dir', str(work)])
    assert code == 2  # both cells skipped, each named with the reason
    for name in (IDENTITY, GAMMA):
        assert f'{name}.json' in err and f'{name}{NPZ} is not the predictions file' in err
    _repaired(bench, work, first, recomputed=2)
    assert len(_damaged(work)) == 4


def test_record_copied_over_another_cells_file_is_refused_named_and_recomputed(store):
    bench, work, first = store
    cells = work / 'cells'
    for suffix in ('.json', NPZ):  # the whole unit of one cell copied over another's
        (cells / f'{GAMMA}{suffix}').write_bytes((cells / f'{IDENTITY}{suffix}').read_bytes())
    code, out, err = run_tool('rescore', [str(cells / f'{GAMMA}.json')])
    assert code == 2 and 'all equal' not in out
    assert f'holds the record of cell {IDENTITY}, not of {GAMMA}' in err
    code, out, err = run_tool('make_tables', ['--work-dir', str(work)])
    assert code == 0 and f'{GAMMA}.json' in err and f'record of cell {IDENTITY}' in err
    again = _repaired(bench, work, first, recomputed=1)
    assert f'damaged cell file {cells / GAMMA}.json' in again.stderr
    assert _damaged(work) == [f'{GAMMA}.json', f'{GAMMA}{NPZ}']
    assert read_cell(work, GAMMA)['metrics'] == read_cell(first_work(first), GAMMA)['metrics']


@pytest.mark.parametrize('edit, problem', [
    ('-5', 'AP50 = -5 is outside its range [0.0, 1.0]'),
    ('1e308', 'AP50 = 1e+308 is outside its range [0.0, 1.0]'),
    ('NaN', 'not strict JSON (a NaN literal'),
    ('"high"', "AP50 = 'high' is a str, not a number"),
])
def test_edited_metric_value_is_set_aside_with_its_value_and_recomputed(store, edit, problem):
    bench, work, first = store
    path = work / 'cells' / f'{IDENTITY}.json'
    text, count = re.subn(r'"AP50": [^,\n]+', f'"AP50": {edit}', path.read_text(), count=1)
    assert count == 1
    path.write_text(text)
    code, _, err = run_tool('rescore', [str(path)])
    assert code == 2 and problem in err and 'Traceback' not in err
    again = _repaired(bench, work, first, recomputed=1)
    assert f'damaged cell file {path} (metric {problem}' in again.stderr or \
        f'damaged cell file {path} ({problem}' in again.stderr
    assert json.loads(path.read_text())['metrics']['AP50'] == \
        read_cell(first_work(first), IDENTITY)['metrics']['AP50']
