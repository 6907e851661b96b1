"""Runs sharing a work dir cooperate: no cell computed twice, every run ends with the table."""
import os
import subprocess
import sys
import time

import pandas as pd
import pytest
from small_bench import PROJECT_ROOT, benchmark_cmd, make_small_bench, run_benchmark

from sdag_bench.benchmark.store.claims import CellClaims
from sdag_bench.utils.atomic_files import host_name

ENHANCERS = 'identity,gamma,clahe,histeq'
DETERMINISTIC = ['enhancer', 'AP50', 'mAP', 'NIQE', 'PSNR', 'SSIM', 'params', 'GFLOPs']


def _table(text: str) -> list:
    """The markdown leaderboard printed by a run, minus the timing column."""
    rows = [line for line in text.splitlines() if line.startswith('|')]
    header = [c.strip() for c in rows[0].strip('|').split('|')]
    keep = [i for i, c in enumerate(header) if c != 'ms/img']
    return [[c.strip() for c in row.strip('|').split('|')][i] for row in rows for i in keep]


@pytest.mark.slow  # two benchmark processes racing over one store: ~45 s
def test_two_concurrent_runs_compute_each_cell_once(tmp_path):
    bench = make_small_bench(tmp_path, num_images=24)
    shared = tmp_path / 'shared'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    procs = [subprocess.Popen(benchmark_cmd(bench['bench'], shared, ENHANCERS), cwd=PROJECT_ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode == 0, err[-3000:]
    log = (shared / 'cells' / 'computed.log').read_text().splitlines()
    computed = sorted(line.split()[3] for line in log)
    assert computed == sorted(f'{e}__small__demo_retinanet' for e in ENHANCERS.split(',')), log
    assert {line.split()[2] for line in log} <= {str(p.pid) for p in procs}
    # both end with the full table, the same as one run alone
    alone = run_benchmark(bench['bench'], tmp_path / 'alone', ENHANCERS)
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert _table(outs[0][0]) == _table(outs[1][0]) == _table(alone.stdout)
    both = sum(int(o.split(' cells (')[1].split(' reused')[0]) for o, _ in outs)
    assert both == 4  # every cell reused by exactly one of the two runs
    assert not list((shared / 'cells' / '.claims').iterdir())  # all claims released
    pd.testing.assert_frame_equal(
        pd.read_csv(shared / 'leaderboard.csv')[DETERMINISTIC],
        pd.read_csv(tmp_path / 'alone' / 'leaderboard.csv')[DETERMINISTIC])


def test_claims_of_live_processes_hold_and_of_dead_ones_are_taken_over(tmp_path):
    claims = CellClaims(str(tmp_path))
    holder = subprocess.Popen([sys.executable, '-c', (
        'import sys, time\n'
        f'sys.path.insert(0, {str(PROJECT_ROOT)!r})\n'
        'from sdag_bench.benchmark.store.claims import CellClaims\n'
        f'assert CellClaims({str(tmp_path)!r}).acquire("cell")\n'
        'print("claimed", flush=True)\n'
        'time.sleep(60)\n')], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'claimed'
        assert claims.read('cell') == dict(claims.read('cell'), host=host_name(), pid=holder.pid)
        assert not claims.acquire('cell')  # a live run holds it
        assert not claims.wait('cell', poll_s=0.05, timeout_s=0.3)
    finally:
        holder.kill()
        holder.wait()
    start = time.time()
    assert claims.wait('cell', poll_s=0.05, timeout_s=5)  # dead holder: stale
    assert claims.acquire('cell') and claims.read('cell')['pid'] == os.getpid()
    claims.release('cell')
    assert claims.read('cell') is None and time.time() - start < 5
