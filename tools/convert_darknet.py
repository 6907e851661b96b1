"""Convert darknet weights (a ``.cfg`` and its ``.weights``) into a plain mmdet state dict.

The cfg is parsed, the weight file is read layer by layer (strictly: a cfg/weights mismatch, a
short file or bytes left over is an error naming the layer and the byte counts), the tensors are
named through the key map of the model the cfg describes, loaded strictly into that model built
from its config (so every shape is checked), and saved as a plain state dict that
``torch.load(..., weights_only=True)`` and ``build_frozen_detector(config, OUT)`` open.

Known models (chosen from the cfg's layer layout):
    yolov3-tiny -> configs/detectors/coco/yolov3_tiny.py (and configs/detectors/exdark/
                   yolov3_tiny_coco.py, which wraps the same detector)
    yolov3      -> configs/detectors/coco/yolov3_d53_darknet.py (darknet's full yolov3.cfg;
                   its key map is tested on a generated cfg, not yet on the real weights)

Example:
    python tools/convert_darknet.py yolov3-tiny.cfg yolov3-tiny.weights \\
        checkpoints/darknet/yolov3_tiny_coco.pth
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import torch

from sdag_bench.utils.checkpoint import CheckpointError, load_state_dict_strict
from sdag_bench.detectors.darknet_cfg import DarknetCfg, DarknetCfgError, parse_darknet_cfg
from sdag_bench.detectors.darknet_weights import darknet_state_dict, read_darknet_weights
from sdag_bench.detectors.yolov3_darknet53_key_map import YOLOV3_DARKNET53_KEY_MAP
from sdag_bench.detectors.yolov3_tiny import YOLOV3_TINY_KEY_MAP
from sdag_bench.utils.paths import PROJECT_ROOT

#: Darknet model name -> (key map, mmdet config whose ``model`` the weights fit).
DARKNET_MODELS: Dict[str, Tuple[Dict[int, str], str]] = {
    'yolov3-tiny': (YOLOV3_TINY_KEY_MAP, 'configs/detectors/coco/yolov3_tiny.py'),
    'yolov3': (YOLOV3_DARKNET53_KEY_MAP, 'configs/detectors/coco/yolov3_d53_darknet.py'),
}


def find_model(cfg: DarknetCfg) -> str:
    """The known model whose key map covers exactly the cfg's convolutional layers.

    Args:
        cfg (DarknetCfg): The parsed cfg.

    Returns:
        str: A key of :data:`DARKNET_MODELS`.

    Raises:
        DarknetCfgError: When no known model has this layout.
    """
    convs = {layer.index for layer in cfg.layers if layer.type in ('convolutional', 'conv')}
    for name, (key_map, _) in DARKNET_MODELS.items():
        if set(key_map) == convs:
            return name
    raise DarknetCfgError(f'{cfg.path}: {len(cfg.layers)} layers with convolutions at '
                          f'{sorted(convs)[:8]}... fit none of the known models '
                          f'{sorted(DARKNET_MODELS)}')


def convert(cfg_path: str, weights_path: str, out: str,
            model: Optional[str] = None) -> Tuple[str, dict, dict]:
    """Convert and save; see the module docstring.

    Args:
        cfg_path (str): Darknet ``.cfg``.
        weights_path (str): Darknet ``.weights``.
        out (str): Output ``.pth`` (folders are created).
        model (str, optional): A key of :data:`DARKNET_MODELS`; default: found from the cfg.

    Returns:
        tuple[str, dict, dict]: Model name, weight-file header and the saved state dict.
    """
    from mmengine.config import Config

    from sdag_bench import register_all_modules
    from sdag_bench.registry import MODELS

    cfg = parse_darknet_cfg(cfg_path)
    name = model or find_model(cfg)
    key_map, config = DARKNET_MODELS[name]
    header, layers = read_darknet_weights(weights_path, cfg)
    state = darknet_state_dict(layers, key_map)
    register_all_modules()
    detector = MODELS.build(Config.fromfile(str(PROJECT_ROOT / config)).model)
    load_state_dict_strict(detector, state, f'{weights_path} (through the {name} key map)')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(dict(state), out)
    return name, header, state


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('cfg', help='darknet .cfg file, e.g. yolov3-tiny.cfg')
    parser.add_argument('weights', help='darknet .weights file, e.g. yolov3-tiny.weights')
    parser.add_argument('out', help='output state dict, e.g. '
                        'checkpoints/darknet/yolov3_tiny_coco.pth')
    parser.add_argument('--model', choices=sorted(DARKNET_MODELS),
                        help='which model the cfg is (default: found from its layers)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    for path in (args.cfg, args.weights):
        if not osp.isfile(path):
            print(f'[error] file not found: {path}', file=sys.stderr)
            return 1
    try:
        name, header, state = convert(args.cfg, args.weights, args.out, args.model)
    except (DarknetCfgError, CheckpointError) as err:
        print(f'[error] {err}', file=sys.stderr)
        return 1
    values = sum(v.numel() for k, v in state.items() if not k.endswith('num_batches_tracked'))
    version = '{major}.{minor}.{revision}, seen {seen}'.format(**header)
    print(f'{name}: {args.weights} (darknet {version}) -> {args.out} '
          f'({len(state)} tensors, {values} values)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
