"""The committed demo results stay current: tools/benchmark.py and tools/seed_study.py, run as a
researcher types them, find every planned cell stored under the key they compute (nothing is
recomputed), and both tools reject bad arguments before planning."""
import re
import shutil

import pytest

from sdag_bench.utils.paths import PROJECT_ROOT
from small_bench import run_tool_main

RESULTS = PROJECT_ROOT / 'results' / 'demo'
SUMMARY = re.compile(r'\[benchmark\] (\d+) cells \((\d+) reused, (\d+) run\)')


@pytest.fixture
def no_compute(monkeypatch):
    """Any cell that is not reused fails the test, naming it."""

    def refuse(cells, options):
        raise AssertionError(f'recomputed {[c.name for c in cells]}: its key changed')

    monkeypatch.setattr('sdag_bench.benchmark.run.run_cells.evaluate_cells', refuse)


def _copy_results(tmp_path, folders):
    work = tmp_path / 'demo'
    for folder in folders:
        shutil.copytree(RESULTS / folder, work / folder)
    return work


def test_benchmark_reuses_every_committed_demo_cell(tmp_path, no_compute):
    work = _copy_results(tmp_path, ['cells'])
    code, out, err = run_tool_main('benchmark', ['--benchmark', 'demo', '--work-dir', str(work),
                                                 '--no-plots', '--bootstrap', '0', '--no-progress'])
    assert code == 0, err[-3000:]
    total, reused, computed = map(int, SUMMARY.search(out).groups())
    assert total > 0 and reused == total and computed == 0


def test_seed_study_reuses_every_committed_seed_cell(tmp_path, no_compute):
    work = _copy_results(tmp_path, ['cells', 'seeds/cells'])
    code, out, err = run_tool_main('seed_study', ['--work-dir', str(work), '--bootstrap', '0',
                                                  '--no-progress'])
    assert code == 0, err[-3000:]
    assert re.search(r'\[seeds\] \d+ cells; written', out)


@pytest.mark.parametrize('tool', ['benchmark', 'seed_study'])
@pytest.mark.parametrize('argv, message', [
    (['--benchmark', 'no_such_benchmark'], 'benchmark config no_such_benchmark not found'),
    (['--enhancers', 'no_such_enhancer'], "unknown enhancer ['no_such_enhancer']"),
    (['--device', 'gpu'], "--device gpu: expected 'cpu', 'cuda' or 'cuda:N'"),
])
def test_both_tools_reject_bad_arguments_before_planning(tool, argv, message, tmp_path,
                                                         no_compute):
    code, _, err = run_tool_main(tool, argv + ['--work-dir', str(tmp_path / 'work')])
    assert code == 2 and f'error: {message}' in err and 'Traceback' not in err
    assert not (tmp_path / 'work').exists()
