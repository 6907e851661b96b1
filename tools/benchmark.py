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
import sys

from mmengine.config import DictAction
from mmengine.dist import init_dist, is_main_process

from sdag_bench.benchmark.cli import (CommandLineError, add_common_arguments, check_arguments,
                                      evaluation_options, load_benchmark_config, plan_from_args,
                                      resolve_device)
from sdag_bench.benchmark.plan.listing import list_benchmark
from sdag_bench.benchmark.report.outputs import write_reports
from sdag_bench.benchmark.report.publish import RunOutputs
from sdag_bench.benchmark.run.cell_inputs import DataInputError
from sdag_bench.benchmark.run.run_cells import run_cells
from sdag_bench.benchmark.run.verify import verify_cells
from sdag_bench.benchmark.store.result_store import ResultStore
from sdag_bench.utils.atomic_files import StoreError


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Enhancers x datasets x frozen detectors -> AP, quality, cost',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument('--checkpoint', help='detector checkpoint (with a single detector)')
    parser.add_argument('--data-root', help='folder of the (single) dataset: images and '
                        'annotations/ as the converters write them; no copied config needed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override keys of the dataset configs, e.g. test_dataloader.'
                        'dataset.ann_file=annotations/exdark_8020_seed0_test.json')
    parser.add_argument('--enhanced-dir', action='append', default=[], metavar='NAME=PATH',
                        help='score a folder of enhanced images as row NAME (repeatable); files '
                        'match test images by stem, any image extension')
    parser.add_argument('--list', action='store_true',
                        help='print the enhancers, datasets and detectors of the benchmark and '
                        'exit')
    parser.add_argument('--force', action='store_true', help='recompute finished cells')
    parser.add_argument('--verify', type=int, default=0, metavar='N',
                        help='after the run, recompute N random finished cells and report any '
                        'that differ from the store (exit code 1)')
    parser.add_argument('--batch-size', type=int, help="override the datasets' batch size")
    parser.add_argument('--no-bounds', action='store_true',
                        help='skip the identity and normal-light bound rows')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--no-plots', action='store_true', help='skip the PNG plots')
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
    args.device = resolve_device(args.device)
    problem = check_arguments(args)
    if problem:  # before any process group, config or compute
        print(f'error: {problem}', file=sys.stderr)
        return 2
    if args.launcher != 'none':
        init_distributed(args.launcher, args.device)
    try:
        bench_cfg = load_benchmark_config(args.benchmark)
        if args.list:
            print('\n'.join(list_benchmark(bench_cfg)))
            return 0
        if is_main_process():
            print(f'[benchmark] device: {args.device}')
        plan = plan_from_args(args, bench_cfg, with_bounds=not args.no_bounds)
    except CommandLineError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    cells, work_dir = plan.cells, plan.work_dir
    for note in plan.notes:
        if is_main_process():
            print(f'[benchmark] {note}')
    store = ResultStore(work_dir)
    options = evaluation_options(args, bench_cfg)
    try:
        if is_main_process():
            store.check_writable()  # before any compute
        records = run_cells(cells, store, options, force=args.force)
        verified = verify_cells(cells, store, args.verify, options.replace(progress=False)) \
            if args.verify else []
    except StoreError as err:
        print(f'error: {err.strerror or err}', file=sys.stderr)
        return 2
    except DataInputError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if not is_main_process():
        return 0
    reused = sum(r['cached'] for r in records)
    outputs = RunOutputs(work_dir)  # this run's tables, published together at the end
    try:
        text, paths = write_reports(
            bench_cfg, cells, records, [store.cell_dir], outputs.folder, args.bootstrap,
            args.bootstrap_seed, plots=not args.no_plots, device=args.device)
    except BaseException:
        outputs.discard()
        raise
    paths = outputs.publish(paths)
    print(text)
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
        if info and (info['missing'] or info['unreadable'] or info['resized']
                     or info.get('refused')):
            print(f"[benchmark] {record['cell']['enhancer']['name']} ({info['folder']}): "
                  f"{info['missing']} outputs missing {info['missing_names']}, "
                  f"{info['unreadable']} unreadable {info['unreadable_names']} (scored as no "
                  f"detections), {info['resized']} resized back to the original size, "
                  f"{info.get('refused', 0)} symlinks leaving the folder refused "
                  f"{info.get('refused_names', [])}")
    return report_verified(verified)


def report_verified(verified: list) -> int:
    """Print the ``--verify`` report; 1 if any recomputed cell differs from the store."""
    for entry in verified:
        state = 'DIFFERS' if entry['differences'] else 'same'
        print(f"[verify] {entry['cell']}: {state}")
        for line in entry['differences']:
            print(f'[verify]   {line}')
    if any(e.get('inputs_changed') for e in verified):
        print('[verify] input files changed since these cells were computed, and the file-hash '
              'cache did not see it (its entries were edited, or a file changed within the same '
              'clock tick); rerun with --force', file=sys.stderr)
        return 1
    if any(e['differences'] for e in verified):
        print('[verify] recomputed cells differ from the store: a change no cell key sees '
              '(code or libraries); rerun with --force', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
