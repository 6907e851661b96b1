"""torchrun with 2 CPU processes (gloo) gives the same cells as one process."""
import json
import os
import subprocess
import sys


ARGS = ['tools/benchmark.py', '--enhancers', 'gamma', '--no-bounds', '--no-plots',
        '--no-progress']
COMPARED = ('AP', 'mAP', 'niqe', 'psnr', 'ssim')


def _metrics(work_dir):
    path = os.path.join(work_dir, 'cells', 'gamma__demo__demo_retinanet.json')
    with open(path) as f:
        record = json.load(f)
    return record, {k: v for k, v in record['metrics'].items() if k.startswith(COMPARED)}


def test_torchrun_two_processes_match_one(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    single = str(tmp_path / 'single')
    dist = str(tmp_path / 'dist')
    subprocess.run([sys.executable] + ARGS + ['--work-dir', single], check=True, env=env,
                   capture_output=True)
    run = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                          '--nproc_per_node', '2'] + ARGS +
                         ['--work-dir', dist, '--launcher', 'pytorch'], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    record_1, metrics_1 = _metrics(single)
    record_2, metrics_2 = _metrics(dist)
    assert record_2['world_size'] == 2 and record_1['world_size'] == 1
    assert record_2['num_images'] == record_1['num_images'] == 200
    assert metrics_1 and metrics_1 == metrics_2
