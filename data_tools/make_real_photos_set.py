"""Make (or remake) the real-photos benchmark set from the third-party photos.

Writes under ``--root`` (default ``data/real_photos``, git-ignored): the 8 coco8 photos and their
low-light copies (``LowLightDegrade`` at fixed seeds) with a COCO json, and a COCO json of the 5
real ExDark photos' boxes (the photos themselves are read in place from the assets folder).

Example:
    python data_tools/make_real_photos_set.py --assets ../shared/assets
"""
import argparse
import sys

from sdag_bench.datasets.real_photos import (DEFAULT_ASSETS_ROOT, DEFAULT_REAL_PHOTOS_ROOT,
                                             ensure_real_photos_set)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default=DEFAULT_REAL_PHOTOS_ROOT, help='output folder')
    parser.add_argument('--assets', default=None,
                        help=f'third-party assets folder (default $SDAG_SHARED_ASSETS or '
                        f'{DEFAULT_ASSETS_ROOT})')
    parser.add_argument('--force', action='store_true', help='remake even if up to date')
    args = parser.parse_args(argv)
    try:
        root = ensure_real_photos_set(args.root, args.assets, force=args.force)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'real-photos set ready in {root}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
