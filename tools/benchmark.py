"""Benchmark low-light enhancers by what a frozen detector sees after them.

With no argument, runs the embedded demo (generated low-light set, project-trained detector,
every registered enhancer) on the CPU, nothing downloaded:

    python tools/benchmark.py --enhancers all

Results: one file per (enhancer, dataset, detector) cell under ``<work-dir>/cells/`` (finished
cells are reused; a killed run resumes), and ``leaderboard.{md,csv,tex}`` in ``<work-dir>``.
Distributed (same numbers as one process):

    torchrun --nproc_per_node 2 tools/benchmark.py --launcher pytorch
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.dist import init_dist, is_main_process
from mmengine.logging import MMLogger

from sdag_bench import register_all_modules
from sdag_bench.benchmark.cells import ResultStore
from sdag_bench.benchmark.data_inputs import DataInputError
from sdag_bench.benchmark.enhanced_dirs import add_enhanced_dir_cells, parse_enhanced_dirs
from sdag_bench.benchmark.interval_report import bootstrap_report
from sdag_bench.benchmark.leaderboard import leaderboard, records_to_frame, write_leaderboard
from sdag_bench.benchmark.listing import list_benchmark
from sdag_bench.benchmark.plan import find_benchmark_config, plan_cells
from sdag_bench.benchmark.plots import plot_ap_vs_niqe, plot_paths, plot_per_class_ap
from sdag_bench.benchmark.qualitative import render_qualitative_grid
from sdag_bench.benchmark.report_thumbnails import write_benchmark_report
from sdag_bench.benchmark.run import run_cells
from sdag_bench.benchmark.store_files import StoreError
from sdag_bench.benchmark.verify import verify_cells
from sdag_bench.utils.cli_checks import check_device, check_launcher, check_positive, first_problem


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Enhancers x datasets x frozen detectors -> AP, quality, cost',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--benchmark', default='demo',
                        help='benchmark config file, or a name under configs/benchmark/ '
                        '(demo, exdark, darkface, darkface_photos, real_photos, demo_finetuned)')
    parser.add_argument('--enhancers', default='all', help="'all' or names, comma-separated")
    parser.add_argument('--datasets', default='all', help="'all' or names from the config")
    parser.add_argument('--detectors', default='all', help="'all' or names from the config")
    parser.add_argument('--checkpoint', help='detector checkpoint (with a single detector)')
    parser.add_argument('--data-root', help='folder of the (single) dataset: images and '
                        'annotations/ as the converters write them; no copied config needed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override keys of the dataset configs, e.g. test_dataloader.'
                        'dataset.ann_file=annotations/exdark_8020_seed0_test.json')
    parser.add_argument('--device', default='auto',
                        help="'auto' (CUDA when torch sees a GPU, else CPU), 'cpu', 'cuda' or "
                        "'cuda:N'")
    parser.add_argument('--enhanced-dir', action='append', default=[], metavar='NAME=PATH',
                        help='score a folder of enhanced images as row NAME (repeatable); files '
                        'match test images by stem, any image extension')
    parser.add_argument('--list', action='store_true',
                        help='print the enhancers, datasets and detectors of the benchmark and '
                        'exit')
    parser.add_argument('--work-dir', help='result folder (default results/<benchmark>)')
    parser.add_argument('--force', action='store_true', help='recompute finished cells')
    parser.add_argument('--verify', type=int, default=0, metavar='N',
                        help='after the run, recompute N random finished cells and report any '
                        'that differ from the store (exit code 1)')
    parser.add_argument('--batch-size', type=int, help="override the datasets' batch size")
    parser.add_argument('--no-bounds', action='store_true',
                        help='skip the identity and normal-light bound rows')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--no-progress', action='store_true', help='no progress bars')
    parser.add_argument('--no-plots', action='store_true', help='skip the PNG plots')
    parser.add_argument('--bootstrap', type=int, default=1000, metavar='N',
                        help='resamples of the test images for the 95%% intervals and paired '
                        'tests (from stored predictions; 0: none)')
    parser.add_argument('--bootstrap-seed', type=int, default=0)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args(argv)


def init_distributed(launcher: str, device: str) -> None:
    """Join the process group: gloo on CPU, nccl on CUDA.

    mmengine's ``init_dist('pytorch')`` always calls ``torch.cuda.set_device``, which fails on a
    CPU-only build, so a CPU run under torchrun joins the group from the environment directly.
    """
    import torch.distributed as torch_dist
    if launcher == 'pytorch' and not device.startswith('cuda'):
        torch_dist.init_process_group(backend='gloo', init_method='env://')
    else:
        init_dist(launcher, backend='nccl' if device.startswith('cuda') else 'gloo')


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.device == 'auto':
        import torch
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    problem = first_problem([check_device(args.device), check_launcher(args.launcher),
                             check_positive('--batch-size', args.batch_size)])
    if problem:  # before any process group, config or compute
        print(f'error: {problem}', file=sys.stderr)
        return 2
    if args.launcher != 'none':
        init_distributed(args.launcher, args.device)
    register_all_modules()
    MMLogger.get_instance('sdag_bench', log_level='WARNING')
    bench_path = find_benchmark_config(args.benchmark)
    if bench_path is None:
        print(f'error: benchmark config {args.benchmark} not found', file=sys.stderr)
        return 2
    bench_cfg = Config.fromfile(bench_path)
    if args.list:
        print('\n'.join(list_benchmark(bench_cfg)))
        return 0
    if is_main_process():
        print(f'[benchmark] device: {args.device}')
    work_dir = args.work_dir or osp.join('results', bench_cfg.benchmark)
    try:
        folders = parse_enhanced_dirs(args.enhanced_dir)
        cells, notes = plan_cells(bench_cfg, args.enhancers, args.datasets, args.detectors,
                                  args.checkpoint, with_bounds=not args.no_bounds,
                                  data_root=args.data_root and osp.abspath(args.data_root),
                                  cfg_options=args.cfg_options)
        if folders:
            cells = add_enhanced_dir_cells(cells, folders, osp.join(work_dir, 'enhanced_dirs'))
    except (KeyError, FileNotFoundError, ValueError) as err:
        print(f'error: {err.args[0] if err.args else err}', file=sys.stderr)
        return 2
    for note in notes:
        if is_main_process():
            print(f'[benchmark] {note}')
    store = ResultStore(work_dir)
    run_kwargs = dict(device=args.device, batch_size=args.batch_size,
                      extra_metrics=list(bench_cfg.get('extra_metrics', [])),
                      cost_cfg=bench_cfg.get('cost_cfg'), seed=args.seed)
    try:
        if is_main_process():
            store.check_writable()  # before any compute
        records = run_cells(cells, store, force=args.force, progress=not args.no_progress,
                            **run_kwargs)
        verified = verify_cells(cells, store, args.verify, **run_kwargs) if args.verify else []
    except StoreError as err:
        print(f'error: {err.strerror or err}', file=sys.stderr)
        return 2
    except DataInputError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if not is_main_process():
        return 0
    reused = sum(r['cached'] for r in records)
    table = leaderboard(records_to_frame(records), sort_by=bench_cfg.get('primary_metric',
                                                                         'AP50'))
    table, interval_paths, interval_notes, interval_caption = bootstrap_report(
        table, records, [store.cell_dir], work_dir, args.bootstrap, args.bootstrap_seed,
        plots=not args.no_plots, primary=bench_cfg.get('primary_metric', 'AP50'))
    caption = f'Benchmark `{bench_cfg.benchmark}`' + (f'\n{interval_caption}'
                                                      if interval_caption else '')
    paths = write_leaderboard(table, work_dir, caption=caption)
    paths += interval_paths
    for note in interval_notes:
        print(f'[intervals] {note}')
    if not args.no_plots:
        figures = plot_paths(work_dir)
        paths += [p for p in (plot_ap_vs_niqe(table, figures['ap_vs_niqe']),
                              plot_per_class_ap(records, figures['per_class']),
                              # a benchmark on photos that may not be redistributed sets
                              # qualitative_grid = False: no image grid of them is written
                              render_qualitative_grid(
                                  [c for c in cells if c.dataset == cells[0].dataset],
                                  figures['grid'], device=args.device)
                              if bench_cfg.get('qualitative_grid', True) else None) if p]
    # one self-contained page; thumbnails of the outputs only where images may be shown
    paths.append(write_benchmark_report(
        table, work_dir, bench_cfg.benchmark, interval_caption or '',
        [p for p in paths if p.endswith('.png')], cells,
        images=not args.no_plots and bench_cfg.get('qualitative_grid', True),
        device=args.device))
    with open(paths[0]) as f:
        print(f.read())
    print(f'[benchmark] {len(records)} cells ({reused} reused, {len(records) - reused} run); '
          f'tables: {", ".join(paths)}')
    for record in records:
        if record.get('nonfinite_images'):
            print(f"[benchmark] warning: {record['cell']['enhancer']['name']} produced NaN/Inf "
                  f"on {record['nonfinite_images']} images (replaced by 0/1 before detection)")
        if record.get('nonfinite_predictions'):
            print(f"[benchmark] warning: {record['cell']['detector']['name']} gave non-finite "
                  f"detector outputs (NaN/Inf) on {record['nonfinite_predictions']} images "
                  f"behind {record['cell']['enhancer']['name']}: its AP is not meaningful "
                  '(leaderboard column nonfinite_det)')
        info = record.get('precomputed')
        if info and (info['missing'] or info['unreadable'] or info['resized']):
            print(f"[benchmark] {record['cell']['enhancer']['name']} ({info['folder']}): "
                  f"{info['missing']} outputs missing {info['missing_names']}, "
                  f"{info['unreadable']} unreadable {info['unreadable_names']} (scored as no "
                  f"detections), {info['resized']} resized back to the original size")
    return report_verified(verified)


def report_verified(verified: list) -> int:
    """Print the ``--verify`` report; 1 if any recomputed cell differs from the store."""
    for entry in verified:
        state = 'DIFFERS' if entry['differences'] else 'same'
        print(f"[verify] {entry['cell']}: {state}")
        for line in entry['differences']:
            print(f'[verify]   {line}')
    if any(e['differences'] for e in verified):
        print('[verify] recomputed cells differ from the store: a change no cell key sees '
              '(code or libraries); rerun with --force', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
