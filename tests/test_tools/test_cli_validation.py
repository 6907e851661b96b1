"""tools/benchmark.py and tools/train.py refuse unusable --device, --launcher and --batch-size
values up front: exit status 2 and one line on stderr saying what is wrong, no traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tools.benchmark import main as benchmark_main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER_VARS = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT', 'SLURM_PROCID',
                 'SLURM_NTASKS', 'SLURM_NODELIST')


def _run(args):
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARS}
    env['OMP_NUM_THREADS'] = '1'
    return subprocess.run([sys.executable] + args, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


def _one_line_error(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), result.stderr[-2000:]
    return lines[0]


def _in_process(argv, capsys, monkeypatch) -> subprocess.CompletedProcess:
    """tools/benchmark.py's ``main(argv)`` in this process, without launcher variables."""
    for name in LAUNCHER_VARS:
        monkeypatch.delenv(name, raising=False)
    capsys.readouterr()
    code = benchmark_main(argv)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, captured.out, captured.err)


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_launcher_pytorch_outside_torchrun_as_a_process(tmp_path):
    """tools/train.py as a new process: exit status 2 and stderr of one line, nothing else."""
    line = _one_line_error(_run(['tools/train.py', 'configs/enhancers/zerodce.py', '--launcher',
                                 'pytorch', '--work-dir', str(tmp_path)]))
    assert '--launcher pytorch' in line and 'torchrun' in line and 'RANK' in line
    assert not list(tmp_path.iterdir()), 'nothing may be written before the check'


def test_benchmark_launcher_pytorch_outside_torchrun(tmp_path, capsys, monkeypatch):
    line = _one_line_error(_in_process(['--enhancers', 'identity', '--launcher', 'pytorch',
                                        '--work-dir', str(tmp_path)], capsys, monkeypatch))
    assert '--launcher pytorch' in line and 'torchrun' in line and 'RANK' in line
    assert not list(tmp_path.iterdir()), 'nothing may be written before the check'


def test_device_cuda_on_this_torch_through_the_cli(tmp_path, capsys, monkeypatch):
    line = _one_line_error(_in_process(['--device', 'cuda:99', '--work-dir', str(tmp_path)],
                                       capsys, monkeypatch))
    assert '--device cuda:99' in line
    expected = ('no CUDA support' if torch.version.cuda is None else
                'no CUDA device' if torch.cuda.device_count() == 0 else 'visible (cuda:0')
    assert expected in line, line


@pytest.mark.parametrize('args,expected', [
    (['--device', 'gpu'], "--device gpu: expected 'cpu', 'cuda' or 'cuda:N'"),
    (['--batch-size', '0'], '--batch-size 0: must be at least 1'),
    (['--batch-size', '-3'], '--batch-size -3: must be at least 1'),
    (['--launcher', 'slurm'], '--launcher slurm needs a process started by srun'),
])
def test_benchmark_refuses_bad_values_up_front(args, expected, tmp_path, capsys, monkeypatch):
    for name in LAUNCHER_VARS:
        monkeypatch.delenv(name, raising=False)
    assert benchmark_main(args + ['--enhancers', 'identity', '--work-dir', str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f'error: {expected}'), err
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(torch.version.cuda is not None, reason='this torch build has CUDA')
def test_plain_cuda_on_a_cpu_only_torch(tmp_path, capsys):
    assert benchmark_main(['--device', 'cuda', '--work-dir', str(tmp_path)]) == 2
    assert 'this torch build has no CUDA support' in capsys.readouterr().err
