"""Regenerate paper-style tables from stored benchmark cells (nothing is re-run).

Example:
    python tools/make_tables.py --benchmark demo
    python tools/make_tables.py --work-dir results/exdark
"""
import argparse
import os
import os.path as osp
import sys

from sdag_bench.benchmark.cells import BoundRows, load_config
from sdag_bench.benchmark.plan.planner import find_benchmark_config
from sdag_bench.benchmark.report.paper_tables import paper_tables
from sdag_bench.benchmark.store.result_store import ResultStore


def bound_rows(benchmark: str) -> BoundRows:
    """The bound rows the benchmark's config names (the usual ones without a config)."""
    path = find_benchmark_config(benchmark)
    return BoundRows.of(load_config(path)) if path else BoundRows()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--benchmark', default='demo',
                        help='name under results/ (its config names the bound rows)')
    parser.add_argument('--work-dir', help='result folder (default results/<benchmark>)')
    parser.add_argument('--digits', type=int, default=3)
    args = parser.parse_args(argv)
    work_dir = args.work_dir or osp.join('results', args.benchmark)
    records = list(ResultStore(work_dir).records())
    if not records:
        print(f'error: no cells in {work_dir}/cells: run tools/benchmark.py first',
              file=sys.stderr)
        return 2
    out_dir = osp.join(work_dir, 'tables')
    os.makedirs(out_dir, exist_ok=True)
    for name, table in paper_tables(records, bound_rows(args.benchmark)).items():
        shown = table.round(args.digits)
        with open(osp.join(out_dir, f'{name}.md'), 'w') as f:
            f.write(shown.to_markdown() + '\n')
        with open(osp.join(out_dir, f'{name}.tex'), 'w') as f:
            f.write(shown.to_latex(float_format=f'%.{args.digits}f', na_rep='--'))
        print(f'## {name}\n\n{shown.to_markdown()}\n')
    print(f'tables written to {out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
