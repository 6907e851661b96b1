"""Darknet's full YOLOv3 (Darknet-53) through the key map into mmdet's own YOLOV3.

The real yolov3.cfg / yolov3.weights are not among the project's offline files, so the cfg is
generated here from darknet's published layout (107 layers: Darknet-53 with shortcuts, three
YOLO levels, routes -4 and -1,61 / -1,36) and filled with random weights; mmdet's model with the
converted state dict must give the same YOLO-layer inputs as a plain darknet interpreter.
"""
import subprocess
import sys
from typing import List

import numpy as np
import torch
from mmengine.config import Config

from sdag_bench.detectors.darknet_cfg import parse_darknet_cfg
from sdag_bench.detectors.darknet_weights import darknet_state_dict
from sdag_bench.detectors.yolov3_darknet53_key_map import YOLOV3_DARKNET53_KEY_MAP
from sdag_bench.utils.paths import PROJECT_ROOT
from sdag_bench.registry import MODELS

from _darknet_reference import run_darknet

CONFIG = str(PROJECT_ROOT / 'configs/detectors/coco/yolov3_d53_darknet.py')
ANCHORS = 'anchors = 10,13, 16,30, 33,23, 30,61, 62,45, 59,119, 116,90, 156,198, 373,326'


def _conv(filters: int, size: int, stride: int = 1, bn: bool = True) -> str:
    head = '[convolutional]\n' + ('batch_normalize=1\n' if bn else '')
    act = 'leaky' if bn else 'linear'
    return f'{head}filters={filters}\nsize={size}\nstride={stride}\npad=1\nactivation={act}\n'


def yolov3_cfg_text() -> str:
    """darknet's yolov3.cfg layout (training options left out)."""
    parts: List[str] = ['[net]\nwidth=416\nheight=416\nchannels=3\n', _conv(32, 3)]
    for filters, blocks in ((64, 1), (128, 2), (256, 8), (512, 8), (1024, 4)):
        parts.append(_conv(filters, 3, 2))
        for _ in range(blocks):
            parts += [_conv(filters // 2, 1), _conv(filters, 3),
                      '[shortcut]\nfrom=-3\nactivation=linear\n']
    for level, (filters, mask, skip) in enumerate(((512, '6,7,8', None), (256, '3,4,5', 61),
                                                   (128, '0,1,2', 36))):
        if skip is not None:
            parts += ['[route]\nlayers = -4\n', _conv(filters, 1), '[upsample]\nstride=2\n',
                      f'[route]\nlayers = -1, {skip}\n']
        for _ in range(2):
            parts += [_conv(filters, 1), _conv(filters * 2, 3)]
        parts += [_conv(filters, 1), _conv(filters * 2, 3), _conv(255, 1, bn=False),
                  f'[yolo]\nmask = {mask}\n{ANCHORS}\nclasses=80\nnum=9\n']
    return '\n'.join(parts)


def _random_weights(cfg, seed: int = 0):
    """Per conv layer, arrays of darknet's shapes with values that keep activations O(1)."""
    rng = np.random.default_rng(seed)
    layers = {}
    for layer in cfg.layers:
        if layer.type != 'convolutional':
            continue
        n, size = layer.out_channels, layer.get_int('size', 1)
        fan_in = layer.in_channels * size * size
        arrays = dict(weight=(rng.standard_normal((n, layer.in_channels, size, size)) /
                              np.sqrt(fan_in)).astype('f4'))
        if layer.batch_normalize:
            arrays.update(bn_bias=rng.normal(0, 0.1, n), bn_weight=rng.uniform(0.5, 1.5, n),
                          bn_mean=rng.normal(0, 0.1, n), bn_var=rng.uniform(0.5, 2, n))
        else:
            arrays['bias'] = rng.normal(0, 0.1, n)
        layers[layer.index] = {k: v.astype('f4') for k, v in arrays.items()}
    return layers


def test_generated_cfg_has_darknets_layout(tmp_path):
    path = tmp_path / 'yolov3.cfg'
    path.write_text(yolov3_cfg_text())
    cfg = parse_darknet_cfg(str(path))
    assert len(cfg.layers) == 107
    assert [layer.index for layer in cfg.layers if layer.type == 'yolo'] == [82, 94, 106]
    convs = {layer.index for layer in cfg.layers if layer.type == 'convolutional'}
    assert convs == set(YOLOV3_DARKNET53_KEY_MAP) and len(convs) == 75


def test_mmdet_yolov3_equals_darknet_interpreter(tmp_path):
    path = tmp_path / 'yolov3.cfg'
    path.write_text(yolov3_cfg_text())
    cfg = parse_darknet_cfg(str(path))
    weights = _random_weights(cfg)
    model = MODELS.build(Config.fromfile(CONFIG).model).eval()
    model.load_state_dict(darknet_state_dict(weights, YOLOV3_DARKNET53_KEY_MAP), strict=True)
    x = torch.rand(1, 3, 64, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours = model.bbox_head(model.extract_feat(x))[0]
        reference = run_darknet(cfg, weights, x)
    assert [tuple(r.shape) for r in reference] == [(1, 255, 2, 3), (1, 255, 4, 6), (1, 255, 8, 12)]
    for level, (a, b) in enumerate(zip(ours, reference)):
        assert a.shape == b.shape, level
        scale = b.abs().max()
        assert scale > 0.1 and (a - b).abs().max() <= 1e-4 * scale, (level, (a - b).abs().max())


def test_converter_recognises_yolov3(tmp_path):
    """The CLI picks the yolov3 key map for this layout (it then reads the weight file: a short
    one fails at the first layer)."""
    path = tmp_path / 'yolov3.cfg'
    path.write_text(yolov3_cfg_text())
    weights = tmp_path / 'yolov3.weights'
    weights.write_bytes(np.array([0, 2, 0, 0, 0], '<i4').tobytes())
    done = subprocess.run([sys.executable, 'tools/convert_darknet.py', str(path), str(weights),
                           str(tmp_path / 'out.pth')], cwd=PROJECT_ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 1
    # layer 0: 32 filters, 4 x 32 BN values + 32 x 3 x 3 x 3 weights, float32
    expected = 'layer 0 (convolutional, line 6) needs 3968 bytes at offset 20, only 0 are left'
    assert expected in done.stderr, done.stderr
