"""Generate (or regenerate) the embedded demo detection set.

Example:
    python data_tools/make_demo_set.py --root data/demo
"""
import argparse

from sdag_bench.datasets.demo import DEFAULT_DEMO_ROOT, ensure_demo_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default=DEFAULT_DEMO_ROOT, help='output folder')
    parser.add_argument('--force', action='store_true', help='regenerate even if up to date')
    args = parser.parse_args()
    root = ensure_demo_set(args.root, force=args.force)
    print(f'demo set ready in {root}')


if __name__ == '__main__':
    main()
