"""Generate (or regenerate) the embedded demo detection set.

Runs started together wait for each other (a lock beside the root); the set appears in one
rename when complete, and SIGTERM or Ctrl-C leaves no temporary folder behind.

Example:
    python data_tools/make_demo_set.py --root data/demo
    python data_tools/make_demo_set.py --root data/demo_small --spec my_spec.json
"""
import argparse
import json
import sys

from sdag_bench.datasets.demo import DEFAULT_DEMO_ROOT, ensure_demo_set


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default=DEFAULT_DEMO_ROOT, help='output folder')
    parser.add_argument('--force', action='store_true', help='regenerate even if up to date')
    parser.add_argument('--spec', help='JSON file with a custom generation spec (the keys of '
                        'sdag_bench.datasets.demo.DEMO_SPEC, e.g. fewer scenes per split)')
    args = parser.parse_args(argv)
    spec = None
    if args.spec:
        try:
            with open(args.spec) as f:
                spec = json.load(f)
        except (OSError, ValueError) as err:
            print(f'error: --spec {args.spec}: {err}', file=sys.stderr)
            return 2
    root = ensure_demo_set(args.root, force=args.force, spec=spec)
    print(f'demo set ready in {root}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
