"""Recompute a finished cell's metrics from its stored per-image predictions (no detector).

    python tools/rescore.py results/demo/cells/gamma__demo__demo_retinanet.json
    python tools/rescore.py gamma__demo__demo_retinanet --work-dir results/demo

Prints every rescored metric next to the stored one. Exit code 0 when they agree, 1 when one
differs, 2 when the cell cannot be rescored (missing or foreign predictions file, damaged cell).
"""
import argparse
import os.path as osp
import sys

from sdag_bench import register_all_modules
from sdag_bench.benchmark.store.result_store import ResultStore


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('cell', help='cell file (.json), or a cell name with --work-dir')
    parser.add_argument('--work-dir', help='result folder holding cells/ (with a cell name)')
    parser.add_argument('--digits', type=int, default=4)
    return parser.parse_args(argv)


def cell_path(cell: str, work_dir: str = None) -> str:
    """The cell file meant by the argument (a path, or a name under ``<work-dir>/cells``)."""
    if cell.endswith('.json') and (osp.isfile(cell) or not work_dir):
        return cell
    name = cell[:-5] if cell.endswith('.json') else cell
    return osp.join(work_dir or '.', 'cells', f'{name}.json')


def main(argv=None) -> int:
    args = parse_args(argv)
    path = cell_path(args.cell, args.work_dir)
    if not osp.lexists(path):
        print(f'error: cell file {path} not found', file=sys.stderr)
        return 2
    try:
        record = ResultStore.read_record(path)
    except ValueError as err:
        print(f'error: {path} is damaged ({err}); run tools/benchmark.py to recompute it',
              file=sys.stderr)
        return 2
    register_all_modules()
    from sdag_bench.benchmark.run.rescore import RescoreError, compare, rescore_record
    predictions = osp.join(osp.dirname(path), osp.basename(path)[:-5] + '.predictions.npz')
    try:
        rescored, notes = rescore_record(record, predictions)
    except (RescoreError, FileNotFoundError, KeyError) as err:
        print(f'error: {err.args[0] if err.args else err}', file=sys.stderr)
        return 2
    rows = compare(record['metrics'], rescored)
    width = max([len(r[0]) for r in rows] + [6])
    print(f'{"metric":<{width}}  {"stored":>10}  {"rescored":>10}  same')
    for name, stored, new, same in rows:
        show = (lambda v: '-' if v is None else f'{v:.{args.digits}f}')
        print(f'{name:<{width}}  {show(stored):>10}  {show(new):>10}  {"yes" if same else "NO"}')
    for note in notes:
        print(f'[rescore] note: {note}')
    differ = [r[0] for r in rows if not r[3]]
    verdict = f'{len(differ)} differ: ' + ', '.join(differ) if differ else \
        'all equal to the record'
    print(f'[rescore] {len(rows)} metrics from {predictions}: {verdict}')
    return 1 if differ else 0


if __name__ == '__main__':
    sys.exit(main())
