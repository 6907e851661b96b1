"""SDAG-guided vs plain enhancers over training seeds.

Every benchmark row whose config lists ``seed_checkpoints`` (configs/demo_zoo/) is evaluated once
per training seed, and each guided row is compared with its unguided ``base_method``:

    python tools/seed_study.py                      # the demo, all trained rows
    python tools/seed_study.py --enhancers zerodce,zerodce_sdag

The seed-0 cells are the leaderboard's own (reused from ``<work-dir>/cells``); other seeds are
stored under ``<work-dir>/seeds/cells``. Writes ``<work-dir>/seeds.{md,csv}``.
"""
import argparse
import os.path as osp
import sys

from sdag_bench.benchmark.store.result_store import ResultStore
from sdag_bench.benchmark.cli import (CommandLineError, add_common_arguments, check_arguments,
                                      evaluation_options, load_benchmark_config, plan_from_args,
                                      resolve_device)
from sdag_bench.benchmark.run.run_cells import run_cells
from sdag_bench.benchmark.report.seed_intervals import seed_significance_report
from sdag_bench.benchmark.report.seed_table import format_seed_table, summarize_seeds
from sdag_bench.benchmark.plan.seed_cells import plan_seed_cells
from sdag_bench.utils.atomic_files import StoreError


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_common_arguments(parser, device='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.device = resolve_device(args.device)
    problem = check_arguments(args)
    if problem:  # before any config or compute
        print(f'error: {problem}', file=sys.stderr)
        return 2
    try:
        bench_cfg = load_benchmark_config(args.benchmark)
        plan = plan_from_args(args, bench_cfg, with_bounds=False)
    except CommandLineError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    cells, work_dir = plan.cells, plan.work_dir
    seed_cells, seed_notes = plan_seed_cells(cells)
    for note in plan.notes + seed_notes:
        print(f'[seeds] {note}')
    if not seed_cells:
        print('error: no planned row lists seed_checkpoints', file=sys.stderr)
        return 2
    options = evaluation_options(args, bench_cfg)
    # leaderboard cells are computed exactly as tools/benchmark.py would (with their cost)
    leaderboard_cells = [c for c in seed_cells if c in cells]
    other_cells = [c for c in seed_cells if c not in cells]
    try:
        for store in (ResultStore(work_dir), ResultStore(osp.join(work_dir, 'seeds'))):
            store.check_writable()  # before any compute
        records = (run_cells(leaderboard_cells, ResultStore(work_dir), options) +
                   run_cells(other_cells, ResultStore(osp.join(work_dir, 'seeds')),
                             options.replace(cost_cfg=None)))
    except StoreError as err:
        print(f'error: {err.strerror or err}', file=sys.stderr)
        return 2
    guided = {c.enhancer.name: c.enhancer.base for c in cells if c.enhancer.base}
    summary = summarize_seeds(records, guided)
    text = format_seed_table(summary)
    summary.to_csv(osp.join(work_dir, 'seeds.csv'), index=False)
    with open(osp.join(work_dir, 'seeds.md'), 'w') as f:
        f.write(f'SDAG-guided vs plain over training seeds, benchmark `{bench_cfg.benchmark}` '
                '(mean ± sample std; Δ = mean of guided − plain per seed)\n\n' + text)
    print(text)
    if args.bootstrap > 0:
        significance, section, notes = seed_significance_report(
            records, [ResultStore(work_dir).cell_dir,
                      ResultStore(osp.join(work_dir, 'seeds')).cell_dir],
            guided, args.bootstrap, args.bootstrap_seed)
        significance.to_csv(osp.join(work_dir, 'seeds_significance.csv'), index=False)
        with open(osp.join(work_dir, 'seeds.md'), 'a') as f:
            f.write('\n' + section)
        print(section)
        for note in notes:
            print(f'[seeds] {note}')
    print(f'[seeds] {len(records)} cells; written {work_dir}/seeds.md and seeds.csv')
    return 0


if __name__ == '__main__':
    sys.exit(main())
