"""A plain darknet interpreter for tests: runs a parsed cfg layer by layer with darknet's rules,
written from darknet's layer semantics, independently of sdag_bench's modules.

Supported: convolutional (batch norm with eps 1e-6, leaky 0.1 / linear), maxpool (``size - 1``
padding, ``(size - 1) // 2`` of it before), route, upsample (nearest), shortcut (linear), yolo
(returns its raw input).
"""
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

from sdag_bench.detectors.darknet_cfg import DarknetCfg


def _conv(x: torch.Tensor, layer, arrays: Dict[str, np.ndarray]) -> torch.Tensor:
    size, stride = layer.get_int('size', 1), layer.get_int('stride', 1)
    padding = size // 2 if layer.get_int('pad', 0) else layer.get_int('padding', 0)
    x = F.conv2d(x, torch.from_numpy(arrays['weight']), stride=stride, padding=padding)
    if 'bn_bias' in arrays:
        mean, var = (torch.from_numpy(arrays[k])[:, None, None] for k in ('bn_mean', 'bn_var'))
        scale, bias = (torch.from_numpy(arrays[k])[:, None, None]
                       for k in ('bn_weight', 'bn_bias'))
        x = (x - mean) / torch.sqrt(var + 1e-6) * scale + bias
    else:
        x = x + torch.from_numpy(arrays['bias'])[:, None, None]
    activation = layer.options.get('activation', 'logistic')
    if activation == 'leaky':
        return torch.where(x > 0, x, 0.1 * x)
    assert activation == 'linear', activation
    return x


def _maxpool(x: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """Darknet's loop: output (h + size - 1 - size) // stride + 1, window starts at
    ``i * stride - (size - 1) // 2``; positions outside the input are skipped."""
    n, c, h, w = x.shape
    offset = -((size - 1) // 2)
    out_h, out_w = (h - 1) // stride + 1, (w - 1) // stride + 1
    out = torch.full((n, c, out_h, out_w), float('-inf'))
    for i in range(out_h):
        for j in range(out_w):
            y0, x0 = i * stride + offset, j * stride + offset
            window = x[:, :, max(y0, 0):min(y0 + size, h), max(x0, 0):min(x0 + size, w)]
            out[:, :, i, j] = window.amax(dim=(2, 3))
    return out


def run_darknet(cfg: DarknetCfg, weights: Dict[int, Dict[str, np.ndarray]],
                x: torch.Tensor) -> List[torch.Tensor]:
    """Run the network on ``x`` (N, C, H, W); return the inputs of its yolo layers, in order."""
    outputs: List[torch.Tensor] = []
    yolo: List[torch.Tensor] = []
    for layer in cfg.layers:
        if layer.type == 'convolutional':
            x = _conv(x, layer, weights[layer.index])
        elif layer.type == 'maxpool':
            x = _maxpool(x, layer.get_int('size', 1), layer.get_int('stride', 1))
        elif layer.type == 'route':
            refs = [int(v) for v in layer.options['layers'].split(',')]
            x = torch.cat([outputs[layer.index + r if r < 0 else r] for r in refs], dim=1)
        elif layer.type == 'upsample':
            s = layer.get_int('stride', 2)
            x = x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)
        elif layer.type == 'shortcut':
            x = x + outputs[layer.index + layer.get_int('from', -3)]
        elif layer.type == 'yolo':
            yolo.append(x)
        else:
            raise ValueError(f'darknet_reference: {layer.describe()} not supported')
        outputs.append(x)
    return yolo
