"""Convert DARK FACE (image/N.png + label/N.txt) to COCO json, one per split.

Examples::

    python data_tools/darkface_to_coco.py --root data/darkface --out data/darkface/annotations
    python data_tools/darkface_to_coco.py --root data/darkface --out data/darkface/annotations \
        --list train=lists/train.txt --list test=lists/test.txt
"""
import argparse
import sys
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from sdag_bench.datasets.converters.darkface import convert_darkface  # noqa: E402
from sdag_bench.datasets.converters.report import run_and_report  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', required=True, help='folder with image/ and label/')
    parser.add_argument('--out', required=True, help='output folder for the json files')
    parser.add_argument('--list', action='append', default=[], metavar='SUBSET=FILE',
                        help='split list file (one image name per line); repeat per subset')
    parser.add_argument('--train-ratio', type=float, default=0.8,
                        help='train fraction of the seeded split (without --list)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the ratio split')
    parser.add_argument('--strict', action='store_true',
                        help='refuse any defect instead of fixing it by the documented rules')
    args = parser.parse_args(argv)
    lists = {}
    for item in args.list:
        subset, sep, path = item.partition('=')
        if not sep or not subset or not path:
            parser.error(f'--list expects SUBSET=FILE, got "{item}"')
        lists[subset] = path
    args.lists = lists
    return args


def main(argv=None) -> int:
    """Run the conversion; print the summary; return the exit status."""
    args = parse_args(argv)
    return run_and_report(lambda: convert_darkface(
        args.root, args.out, args.lists or None, args.train_ratio, args.seed, args.strict,
        progress=tqdm))


if __name__ == '__main__':
    sys.exit(main())
