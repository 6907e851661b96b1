"""The command-line preamble the benchmark tools share (``tools/benchmark.py``, ``seed_study.py``).

Both name a benchmark config and the enhancers, datasets and detectors to take from it, then plan
the cells and build the run options once::

    parser = argparse.ArgumentParser()
    add_common_arguments(parser)
    args = parser.parse_args()
    bench_cfg = load_benchmark_config(args.benchmark)
    plan = plan_from_args(args, bench_cfg)
    run_cells(plan.cells, ResultStore(plan.work_dir), evaluation_options(args, bench_cfg))

Problems with the arguments raise :class:`CommandLineError`; the tools print its message as
``error: ...`` and exit with status 2 before any compute. Options a tool does not define (e.g.
``--checkpoint`` in the seed study) take their defaults.
"""
import argparse
import dataclasses
import os.path as osp
from typing import List, Optional

from mmengine.config import Config
from mmengine.logging import MMLogger

from sdag_bench import register_all_modules
from sdag_bench.utils.cli_checks import check_device, check_launcher, check_positive, first_problem
from .cells import CellSpec
from .plan.enhanced_dirs import add_enhanced_dir_cells, parse_enhanced_dirs
from .options import EvaluationOptions
from .plan.planner import find_benchmark_config, plan_cells


class CommandLineError(Exception):
    """An argument that cannot be used; the message says which and why."""


@dataclasses.dataclass
class BenchmarkPlan:
    """The cells a command line asks for.

    Args:
        cells (list[CellSpec]): The planned cells.
        notes (list[str]): Human-readable notes on skipped rows.
        work_dir (str): The result folder (``--work-dir``, default ``results/<benchmark>``).
    """

    cells: List[CellSpec]
    notes: List[str]
    work_dir: str


def add_common_arguments(parser: argparse.ArgumentParser, device: str = 'auto') -> None:
    """Add the options every benchmark tool takes: which benchmark and rows, where results
    go, the device, progress bars and the bootstrap of the test images.

    Args:
        parser (ArgumentParser): The tool's parser.
        device (str): Default of ``--device``. Defaults to 'auto'.
    """
    parser.add_argument('--benchmark', default='demo',
                        help='benchmark config file, or a name under configs/benchmark/ '
                        '(demo, exdark, darkface, darkface_photos, real_photos, demo_finetuned)')
    parser.add_argument('--enhancers', default='all', help="'all' or names, comma-separated")
    parser.add_argument('--datasets', default='all', help="'all' or names from the config")
    parser.add_argument('--detectors', default='all', help="'all' or names from the config")
    parser.add_argument('--work-dir', help='result folder (default results/<benchmark>)')
    parser.add_argument('--device', default=device,
                        help="'auto' (CUDA when torch sees a GPU, else CPU), 'cpu', 'cuda' or "
                        "'cuda:N'")
    parser.add_argument('--no-progress', action='store_true', help='no progress bars')
    parser.add_argument('--bootstrap', type=int, default=1000, metavar='N',
                        help='resamples of the test images for the 95%% intervals and paired '
                        'tests (from stored predictions; 0: none)')
    parser.add_argument('--bootstrap-seed', type=int, default=0)


def resolve_device(device: str) -> str:
    """'auto' becomes 'cuda' when torch sees a GPU, else 'cpu'; other names are kept.

    Args:
        device (str): The ``--device`` value.

    Returns:
        str: The device to use.
    """
    if device != 'auto':
        return device
    import torch
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def check_arguments(args: argparse.Namespace) -> Optional[str]:
    """The first problem with ``--device``, ``--launcher`` or ``--batch-size`` (see
    :mod:`sdag_bench.utils.cli_checks`), found before any process group, config or compute.

    Args:
        args (Namespace): Parsed arguments (``device`` already resolved).

    Returns:
        str | None: What is wrong, or None.
    """
    return first_problem([check_device(args.device),
                          check_launcher(getattr(args, 'launcher', 'none')),
                          check_positive('--batch-size', getattr(args, 'batch_size', None))])


def load_benchmark_config(name: str) -> Config:
    """Register the project's modules, quiet mmengine's logger and read a benchmark config.

    Args:
        name (str): ``--benchmark``: a config file, or a name under configs/benchmark/.

    Returns:
        Config: The benchmark config.

    Raises:
        CommandLineError: No such config.
    """
    register_all_modules()
    MMLogger.get_instance('sdag_bench', log_level='WARNING')
    path = find_benchmark_config(name)
    if path is None:
        raise CommandLineError(f'benchmark config {name} not found')
    return Config.fromfile(path)


def plan_from_args(args: argparse.Namespace, bench_cfg: Config,
                   with_bounds: bool = True) -> BenchmarkPlan:
    """Plan the cells the arguments name (``--enhancers``, ``--datasets``, ``--detectors``,
    ``--checkpoint``, ``--data-root``, ``--cfg-options``, ``--enhanced-dir``).

    Args:
        args (Namespace): Parsed arguments.
        bench_cfg (Config): From :func:`load_benchmark_config`.
        with_bounds (bool): Add the identity and normal-light bound rows. Defaults to True.

    Returns:
        BenchmarkPlan: Cells, notes and the result folder.

    Raises:
        CommandLineError: An unknown name, a missing file or a combination that cannot run.
    """
    work_dir = args.work_dir or osp.join('results', bench_cfg.benchmark)
    data_root = getattr(args, 'data_root', None)
    try:
        folders = parse_enhanced_dirs(getattr(args, 'enhanced_dir', []))
        cells, notes = plan_cells(bench_cfg, args.enhancers, args.datasets, args.detectors,
                                  getattr(args, 'checkpoint', None), with_bounds=with_bounds,
                                  data_root=data_root and osp.abspath(data_root),
                                  cfg_options=getattr(args, 'cfg_options', None))
        if folders:
            cells = add_enhanced_dir_cells(cells, folders, osp.join(work_dir, 'enhanced_dirs'))
    except (KeyError, FileNotFoundError, ValueError) as err:
        raise CommandLineError(err.args[0] if err.args else err) from None
    return BenchmarkPlan(cells=cells, notes=notes, work_dir=work_dir)


def evaluation_options(args: argparse.Namespace, bench_cfg: Config) -> EvaluationOptions:
    """The run options of a command line: the device, ``--batch-size``, ``--seed`` and
    ``--no-progress``, with the benchmark config's ``extra_metrics`` and ``cost_cfg``.

    Args:
        args (Namespace): Parsed arguments (``device`` already resolved).
        bench_cfg (Config): The benchmark config.

    Returns:
        EvaluationOptions: The options every cell of the run is evaluated with.
    """
    return EvaluationOptions(device=args.device, batch_size=getattr(args, 'batch_size', None),
                             extra_metrics=list(bench_cfg.get('extra_metrics', [])),
                             cost_cfg=bench_cfg.get('cost_cfg'), seed=getattr(args, 'seed', 0),
                             progress=not args.no_progress)


__all__ = [
    'BenchmarkPlan', 'CommandLineError', 'add_common_arguments', 'check_arguments',
    'evaluation_options', 'load_benchmark_config', 'plan_from_args', 'resolve_device'
]
