"""A benchmark killed (SIGKILL) at several points resumes to the same tables, no partial files."""
import os
import signal
import subprocess
import sys
import time

import pandas as pd

ARGS = ['tools/benchmark.py', '--enhancers', 'identity,gamma', '--no-bounds', '--no-plots',
        '--no-progress']
DETERMINISTIC = ['enhancer', 'AP50', 'mAP', 'NIQE', 'PSNR', 'SSIM', 'params', 'GFLOPs']


def _run(work_dir, kill_when=None, timeout=300):
    """Run the benchmark; with ``kill_when(work_dir)``, SIGKILL it as soon as that holds."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable] + ARGS + ['--work-dir', work_dir], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.time()
    while proc.poll() is None and time.time() - start < timeout:
        if kill_when is not None and kill_when(work_dir):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return False
        time.sleep(0.05)
    assert proc.wait(timeout=timeout) == 0
    return True


def _cells(work_dir):
    folder = os.path.join(work_dir, 'cells')
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def _table(work_dir):
    table = pd.read_csv(os.path.join(work_dir, 'leaderboard.csv'))
    return table[[c for c in DETERMINISTIC if c in table]].reset_index(drop=True)


def test_killed_runs_resume_to_the_uninterrupted_result(tmp_path):
    reference = str(tmp_path / 'reference')
    assert _run(reference)
    resumed = str(tmp_path / 'resumed')
    # killed while starting up, then right after the first cell landed
    assert not _run(resumed, kill_when=lambda d: True)
    assert not _run(resumed, kill_when=lambda d: len(
        [c for c in _cells(d) if c.endswith('.json') and not c.startswith('.')]) >= 1)
    assert _run(resumed)
    pd.testing.assert_frame_equal(_table(reference), _table(resumed))
    leftovers = [f for f in _cells(resumed) if f.startswith('.tmp-')]
    assert not leftovers and not [f for f in os.listdir(resumed) if f.endswith('.tmp')]
    assert _cells(resumed) == _cells(reference)
