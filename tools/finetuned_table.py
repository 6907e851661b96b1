"""Frozen vs fine-tuned AP50 per enhancer from stored benchmark cells (nothing is re-run).

Reads the cells of a benchmark that scored both a frozen detector and detectors fine-tuned
behind each enhancer (e.g. configs/benchmark/demo_finetuned.py) and writes ``<out>.md`` and
``<out>.csv``: each enhancer's frozen AP50, the fine-tuned AP50 of every fine-tuning seed and
their mean, the gains over no enhancement, and each guided row's gain over its plain row under
both protocols. With per-image predictions stored, 95 % bootstrap intervals are added.

Example:
    python tools/finetuned_table.py --work-dir results/demo_finetuned \
        --out results/demo/finetuned
"""
import argparse
import os.path as osp
import sys

from sdag_bench import register_all_modules
from sdag_bench.benchmark.store.result_store import ResultStore
from sdag_bench.benchmark.report.finetuned_table import finetuned_comparison, write_comparison


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='results/demo_finetuned',
                        help='benchmark result folder (with cells/)')
    parser.add_argument('--out', default=None,
                        help='output path without extension (default <work-dir>/finetuned)')
    parser.add_argument('--dataset', default=None, help='dataset name, if several')
    parser.add_argument('--metric', default='AP50', help='canonical metric (default AP50)')
    parser.add_argument('--draws', type=int, default=1000,
                        help='bootstrap resamples for intervals (0: none)')
    args = parser.parse_args(argv)
    register_all_modules()  # the datasets that read the ground truth for the intervals
    store = ResultStore(args.work_dir)
    records = list(store.records())
    if not records:
        print(f'error: no cells in {args.work_dir}/cells: run tools/benchmark.py first',
              file=sys.stderr)
        return 2
    draws = None
    if args.draws:
        from sdag_bench.benchmark.report.intervals import compute_draws
        draws, notes = compute_draws(records, [store.cell_dir], draws=args.draws)
        for note in notes:
            print(f'[finetuned_table] {note}')
    try:
        frame = finetuned_comparison(records, args.metric, args.dataset, draws)
    except ValueError as err:
        print(f'error: {args.work_dir}: {err}', file=sys.stderr)
        return 2
    out = args.out or osp.join(args.work_dir, 'finetuned')
    paths = write_comparison(frame, out, caption=f'Frozen vs fine-tuned {args.metric} '
                             f'({osp.basename(osp.normpath(args.work_dir))})')
    with open(paths[0]) as f:
        print(f.read())
    print(f'[finetuned_table] written: {", ".join(paths)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
