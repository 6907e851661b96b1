"""Up-front checks of command-line arguments (``tools/benchmark.py``, ``tools/train.py``).

Each check returns None when the value is usable, or a one-line message saying what is wrong and
what to do instead; the tools print it and exit with status 2 before any work starts.
"""
import os
import re
from typing import Optional, Sequence

import torch

#: Environment variables each launcher needs; they are set by the launcher program.
LAUNCHER_ENV = {
    'pytorch': ('torchrun', ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')),
    'slurm': ('srun', ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')),
    'mpi': ('mpirun', ('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE')),
}


def check_device(device: str) -> Optional[str]:
    """Check that ``device`` names a device this torch build can use.

    Args:
        device (str): ``'cpu'``, ``'cuda'`` or ``'cuda:N'``.

    Returns:
        str | None: What is wrong, or None.
    """
    if device == 'cpu':
        return None
    match = re.fullmatch(r'cuda(?::(\d+))?', device)
    if match is None:
        return f"--device {device}: expected 'cpu', 'cuda' or 'cuda:N'"
    if torch.version.cuda is None:
        return (f'--device {device}: this torch build has no CUDA support '
                f'(torch {torch.__version__}); use --device cpu')
    count = torch.cuda.device_count()
    if count == 0:
        return f'--device {device}: no CUDA device is visible; use --device cpu'
    if match.group(1) is not None and int(match.group(1)) >= count:
        return (f'--device {device}: only {count} CUDA device(s) visible '
                f'(cuda:0 .. cuda:{count - 1})')
    return None


def check_launcher(launcher: str, device: str = 'cpu') -> Optional[str]:
    """Check that the process was started by the program ``launcher`` expects.

    Args:
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        device (str): The requested device ('nccl' needs CUDA). Defaults to 'cpu'.

    Returns:
        str | None: What is wrong, or None.
    """
    if launcher == 'none':
        return None
    if launcher not in LAUNCHER_ENV:
        return f'--launcher {launcher}: expected one of none, {", ".join(LAUNCHER_ENV)}'
    program, names = LAUNCHER_ENV[launcher]
    missing = [name for name in names if name not in os.environ]
    if missing:
        return (f'--launcher {launcher} needs a process started by {program} '
                f'({", ".join(missing)} not set); run it through {program} or drop --launcher')
    return None


def check_positive(option: str, value: Optional[int]) -> Optional[str]:
    """Check that an optional integer option is at least 1.

    Args:
        option (str): The option as typed, e.g. ``'--batch-size'``.
        value (int, optional): Its value; None (not given) passes.

    Returns:
        str | None: What is wrong, or None.
    """
    if value is not None and value < 1:
        return f'{option} {value}: must be at least 1'
    return None


def first_problem(problems: Sequence[Optional[str]]) -> Optional[str]:
    """Return the first message of ``problems`` that is not None (or None if all pass)."""
    return next((problem for problem in problems if problem), None)
