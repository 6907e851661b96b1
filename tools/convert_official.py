"""Convert the official enhancer checkpoints into our modules' plain state dicts.

Each official file is renamed through the key map next to its model class, loaded into the module
with ``strict=True`` (a wrong or truncated file fails, naming the missing / unexpected keys) and
saved as a plain state dict that ``torch.load(..., weights_only=True)`` opens.

Examples:
    # every known checkpoint from ../shared/assets into checkpoints/official/
    python tools/convert_official.py
    # one of them, from and to explicit paths
    python tools/convert_official.py --name zerodce_epoch99 --src Epoch99.pth --dst zerodce.pth
"""
import argparse
import os.path as osp
import sys

from sdag_bench.utils.checkpoint import CheckpointError
from sdag_bench.enhancers.official_weights import OFFICIAL_WEIGHTS, convert_official

DEFAULT_ASSETS = osp.normpath(
    osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'shared', 'assets'))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--assets', default=DEFAULT_ASSETS,
                        help='folder of the official files (default: ../shared/assets)')
    parser.add_argument('--out-dir', default='checkpoints/official',
                        help='where converted files go, as <name>.pth')
    parser.add_argument('--name', nargs='+', choices=sorted(OFFICIAL_WEIGHTS),
                        help='which checkpoints (default: all)')
    parser.add_argument('--src', help='official file to convert (with exactly one --name)')
    parser.add_argument('--dst', help='output file (with exactly one --name)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    names = args.name or sorted(OFFICIAL_WEIGHTS)
    if (args.src or args.dst) and len(names) != 1:
        print('--src / --dst need exactly one --name', file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        src = args.src or osp.join(args.assets, OFFICIAL_WEIGHTS[name].source)
        dst = args.dst or osp.join(args.out_dir, f'{name}.pth')
        try:
            state = convert_official(name, src, dst)
        except CheckpointError as err:
            print(f'[error] {name}: {err}', file=sys.stderr)
            failed += 1
            continue
        params = sum(v.numel() for k, v in state.items() if not k.endswith('num_batches_tracked'))
        print(f'{name}: {src} -> {dst} ({len(state)} tensors, {params} values)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
