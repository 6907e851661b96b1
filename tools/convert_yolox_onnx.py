"""Convert YOLOX's ONNX export (batch norms folded) into a plain state dict for mmdet's YOLOX.

The ONNX initialisers are read with the ``onnx`` package (no onnxruntime), mapped onto the model of
``--config`` through the official run order of its convolutions
(:mod:`sdag_bench.detectors.yolox_onnx`), each folded convolution loaded exactly (its batch norm
set to the identity carrying the folded bias), loaded strictly into the model built from the
config, and saved as a plain state dict that ``torch.load(..., weights_only=True)`` and
``build_frozen_detector(config, OUT)`` open. A file that is not this YOLOX (another width or
depth, unfolded batch norms, left-over tensors, a truncated file) is a one-line error naming the
node or tensor.

Example:
    python tools/convert_yolox_onnx.py yolox_nano.onnx checkpoints/yolox/yolox_nano_coco.pth
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import torch

from sdag_bench.detectors.yolox_onnx import (YOLOXOnnxError, yolox_conv_order_of,
                                             yolox_state_dict_from_onnx)
from sdag_bench.utils.checkpoint import CheckpointError, load_state_dict_strict
from sdag_bench.utils.paths import PROJECT_ROOT

DEFAULT_CONFIG = 'configs/detectors/coco/yolox_nano.py'


def convert(onnx_path: str, out: str, config: str = DEFAULT_CONFIG) -> dict:
    """Convert and save; see the module docstring.

    Args:
        onnx_path (str): The ``.onnx`` file.
        out (str): Output ``.pth`` (folders are created).
        config (str): The mmdet YOLOX config whose model the weights fit.

    Returns:
        dict: The saved state dict.
    """
    from mmengine.config import Config

    from sdag_bench import register_all_modules
    from sdag_bench.registry import MODELS

    register_all_modules()
    cfg = Config.fromfile(str(PROJECT_ROOT / config) if not osp.isfile(config) else config)
    detector = MODELS.build(cfg.model)
    state = yolox_state_dict_from_onnx(onnx_path, detector, yolox_conv_order_of(detector))
    load_state_dict_strict(detector, state, f'{onnx_path} (through the YOLOX conv order)')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(dict(state), out)
    return state


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('onnx', help='the YOLOX ONNX export, e.g. yolox_nano.onnx')
    parser.add_argument('out', help='output state dict, e.g. checkpoints/yolox/yolox_nano_coco.pth')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help=f'mmdet YOLOX config the weights fit (default: {DEFAULT_CONFIG})')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.onnx):
        print(f'[error] file not found: {args.onnx}', file=sys.stderr)
        return 1
    try:
        state = convert(args.onnx, args.out, args.config)
    except (YOLOXOnnxError, CheckpointError) as err:
        print(f'[error] {err}', file=sys.stderr)
        return 1
    convs = sum(1 for k in state if k.endswith('.weight') and '.bn.' not in k)
    values = sum(v.numel() for k, v in state.items() if 'running_' not in k
                 and not k.endswith('num_batches_tracked'))
    print(f'yolox: {args.onnx} -> {args.out} ({convs} convolutions, {len(state)} tensors, '
          f'{values} parameters)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
