"""torchrun with 2 CPU processes (gloo) gives the same cells as one process, on a 9-image copy
of the demo benchmark (tests/small_bench.py): an odd count, so one rank gets one image more."""
import json
import os
import subprocess
import sys

import pytest

from small_bench import PROJECT_ROOT, benchmark_cmd, make_small_bench, run_benchmark

COMPARED = ('AP', 'mAP', 'niqe', 'psnr', 'ssim')
NUM_IMAGES = 9


def _metrics(work_dir):
    path = os.path.join(work_dir, 'cells', 'gamma__small__demo_retinanet.json')
    with open(path) as f:
        record = json.load(f)
    return record, {k: v for k, v in record['metrics'].items() if k.startswith(COMPARED)}


@pytest.mark.slow  # torchrun with two processes and a single-process reference: ~20 s
def test_torchrun_two_processes_match_one(tmp_path):
    bench = make_small_bench(tmp_path, num_images=NUM_IMAGES)['bench']
    single = str(tmp_path / 'single')
    dist = str(tmp_path / 'dist')
    result = run_benchmark(bench, single, 'gamma')
    assert result.returncode == 0, result.stderr[-3000:]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    cmd = benchmark_cmd(bench, dist, 'gamma', '--launcher', 'pytorch')
    run = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                          '--nproc_per_node', '2'] + cmd[1:], env=env, cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    record_1, metrics_1 = _metrics(single)
    record_2, metrics_2 = _metrics(dist)
    assert record_2['world_size'] == 2 and record_1['world_size'] == 1
    assert record_2['num_images'] == record_1['num_images'] == NUM_IMAGES
    assert metrics_1 and metrics_1 == metrics_2
    assert metrics_1['niqe_count'] == NUM_IMAGES  # no image counted twice by the padded rank
