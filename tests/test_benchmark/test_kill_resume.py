"""A benchmark killed (SIGKILL) after a cell is stored resumes: the stored cell is reused as it
is (file untouched, reported as reused), the rest is computed, and the tables equal an
uninterrupted run's; no temporary file remains. On a 16-image copy of the demo benchmark
(tests/small_bench.py): the processes and the store are the subject, not the numbers."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from small_bench import PROJECT_ROOT, benchmark_cmd, make_small_bench, run_benchmark

DETERMINISTIC = ['enhancer', 'AP50', 'mAP', 'NIQE', 'PSNR', 'SSIM', 'params', 'GFLOPs']
#: Names of files a writer leaves only while it is writing (``utils.atomic_files.temp_name``).
TEMPORARY = re.compile(r'^\.tmp-|\.tmp$|\.partial$')
SUMMARY = re.compile(r'\[benchmark\] (\d+) cells \((\d+) reused, (\d+) run\)')


@pytest.fixture
def bench(tmp_path):
    return make_small_bench(tmp_path, num_images=16)['bench']


def _start(bench, work_dir: str) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS='1')
    cmd = benchmark_cmd(bench, work_dir, 'identity,gamma')
    assert cmd[0] == sys.executable
    return subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _finish(bench, work_dir: str, timeout: int = 600) -> tuple:
    """Run to the end; returns ``(cells, reused, run)`` from the summary line it prints."""
    out, _ = _start(bench, work_dir).communicate(timeout=timeout)
    found = SUMMARY.search(out)
    assert found, out[-3000:]
    return tuple(int(g) for g in found.groups())


def _stored_cells(work_dir: str) -> list:
    """Cell records: ``cells/<name>.json`` (a record appears there only once complete)."""
    folder = os.path.join(work_dir, 'cells')
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if n.endswith('.json') and not n.startswith('.'))


def _kill_after_first_cell(bench, work_dir: str, timeout: int = 600) -> None:
    proc = _start(bench, work_dir)
    start = time.time()
    while not _stored_cells(work_dir):
        assert proc.poll() is None, 'the run ended before it was killed'
        assert time.time() - start < timeout, 'no cell stored in time'
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def _table(work_dir: str) -> pd.DataFrame:
    table = pd.read_csv(os.path.join(work_dir, 'leaderboard.csv'))
    return table[[c for c in DETERMINISTIC if c in table]].reset_index(drop=True)


def _temporaries(work_dir: str) -> list:
    return [os.path.join(root, name) for root, _, names in os.walk(work_dir) for name in names
            if TEMPORARY.search(name)]


@pytest.mark.slow  # a benchmark process killed and a new one resuming: ~35 s
def test_killed_after_a_cell_resumes_reusing_it(tmp_path, bench):
    reference = str(tmp_path / 'reference')  # uninterrupted, in this process
    done = run_benchmark(bench, reference, 'identity,gamma')
    assert done.returncode == 0, done.stderr[-3000:]
    total, reused, computed = (int(g) for g in SUMMARY.search(done.stdout).groups())
    assert (reused, computed) == (0, total) and total == 2

    resumed = str(tmp_path / 'resumed')
    _kill_after_first_cell(bench, resumed)
    kept = _stored_cells(resumed)
    assert 1 <= len(kept) < total, kept  # killed with work left
    before = {}
    for name in kept:
        path = os.path.join(resumed, 'cells', name)
        with open(path) as f:
            before[name] = (os.stat(path).st_mtime_ns, json.load(f)['created'])
    time.sleep(1.1)  # a rewrite would carry a later `created` (whole seconds) and mtime

    assert _finish(bench, resumed) == (total, len(kept), total - len(kept))
    for name, (mtime_ns, created) in before.items():
        path = os.path.join(resumed, 'cells', name)
        with open(path) as f:
            assert json.load(f)['created'] == created, name
        assert os.stat(path).st_mtime_ns == mtime_ns, name
    assert _stored_cells(resumed) == _stored_cells(reference)
    pd.testing.assert_frame_equal(_table(reference), _table(resumed))
    assert not _temporaries(resumed)
