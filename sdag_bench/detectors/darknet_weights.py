"""Read a darknet ``.weights`` file layer by layer and turn it into a plain state dict.

Layout (darknet's ``load_weights``): a header of three int32 (major, minor, revision) and the
number of images seen (int64 when ``major * 10 + minor >= 2``, else int32); then, for every
``[convolutional]`` layer in cfg order, float32 arrays: with ``batch_normalize=1`` the BN bias,
BN scale, running mean and running variance, else the conv bias; then the conv weights
``(filters, in_channels / groups, size, size)``. Nothing else has weights in the layer types
:mod:`~sdag_bench.detectors.darknet_cfg` accepts. The reading is strict: a short file or bytes
left over is an error naming the layer and the byte counts.

A key map (cfg layer index -> module prefix, kept next to the model it serves, e.g.
:data:`~sdag_bench.detectors.yolov3_tiny.YOLOV3_TINY_KEY_MAP`) names each layer's tensors.
"""
from collections import OrderedDict
from typing import Dict, Mapping, Tuple

import numpy as np
import torch
from torch import Tensor

from sdag_bench.utils.checkpoint import CheckpointError
from sdag_bench.detectors.darknet_cfg import DarknetCfg, DarknetLayer

#: Per conv layer: parameter name -> array.
LayerWeights = Dict[str, np.ndarray]


class DarknetWeightsError(CheckpointError):
    """A darknet weight file does not fit its cfg (short, too long, or unreadable)."""


def _conv_shapes(layer: DarknetLayer) -> 'OrderedDict[str, Tuple[int, ...]]':
    """The arrays of one convolutional layer, in file order."""
    filters, size = layer.out_channels, layer.get_int('size', 1)
    groups = layer.get_int('groups', 1)
    if layer.in_channels % groups:
        raise DarknetWeightsError(f'{layer.describe()}: {layer.in_channels} input channels do '
                                  f'not split into groups={groups}')
    shapes = OrderedDict()
    if layer.batch_normalize:
        for name in ('bn_bias', 'bn_weight', 'bn_mean', 'bn_var'):
            shapes[name] = (filters, )
    else:
        shapes['bias'] = (filters, )
    shapes['weight'] = (filters, layer.in_channels // groups, size, size)
    return shapes


def read_darknet_weights(
        path: str, cfg: DarknetCfg) -> Tuple[Dict[str, int], Dict[int, LayerWeights]]:
    """Read every convolutional layer's arrays from a darknet weight file.

    Args:
        path (str): The ``.weights`` file.
        cfg (DarknetCfg): Its parsed cfg (:func:`parse_darknet_cfg`).

    Returns:
        tuple[dict, dict]: The header (``major``, ``minor``, ``revision``, ``seen``) and, per
        convolutional layer index, its arrays: ``bn_bias``, ``bn_weight``, ``bn_mean``,
        ``bn_var`` (with batch norm) or ``bias``, and ``weight``.

    Raises:
        DarknetWeightsError: A short file (naming the layer that runs out, the bytes it needs
            and the bytes left), bytes left over after the last layer, or a short header.
    """
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 16:
        raise DarknetWeightsError(f'{path}: {len(data)} bytes, too short for a darknet header')
    major, minor, revision = (int(v) for v in np.frombuffer(data, '<i4', 3))
    seen_dtype = '<i8' if major * 10 + minor >= 2 and major < 1000 and minor < 1000 else '<i4'
    offset = 12 + np.dtype(seen_dtype).itemsize
    header = dict(major=major, minor=minor, revision=revision,
                  seen=int(np.frombuffer(data, seen_dtype, 1, 12)[0]))
    layers: Dict[int, LayerWeights] = {}
    last = None
    for layer in cfg.layers:
        if layer.type not in ('convolutional', 'conv'):
            continue
        arrays: LayerWeights = {}
        shapes = _conv_shapes(layer)
        needed = 4 * sum(int(np.prod(s)) for s in shapes.values())
        if offset + needed > len(data):
            raise DarknetWeightsError(
                f'{path} is too short for {cfg.path}: {layer.describe()} needs {needed} bytes at '
                f'offset {offset}, only {len(data) - offset} are left (file {len(data)} bytes)')
        for name, shape in shapes.items():
            count = int(np.prod(shape))
            arrays[name] = np.frombuffer(data, '<f4', count, offset).reshape(shape).copy()
            offset += 4 * count
        layers[layer.index] = arrays
        last = layer
    if offset != len(data):
        where = f'after {last.describe()}' if last else 'after the header (no conv layers)'
        raise DarknetWeightsError(
            f'{path} does not fit {cfg.path}: {len(data) - offset} bytes left over {where}; '
            f'the cfg accounts for {offset} of {len(data)} bytes')
    return header, layers


def darknet_state_dict(layers: Mapping[int, LayerWeights],
                       key_map: Mapping[int, str]) -> 'OrderedDict[str, Tensor]':
    """Name the arrays of every conv layer through a key map.

    A layer with batch norm becomes an mmcv ``ConvModule``: ``<prefix>.conv.weight`` and
    ``<prefix>.bn.{weight,bias,running_mean,running_var,num_batches_tracked}``; one without
    becomes a plain conv: ``<prefix>.weight``, ``<prefix>.bias``.

    Args:
        layers (Mapping[int, LayerWeights]): From :func:`read_darknet_weights`.
        key_map (Mapping[int, str]): cfg layer index -> module prefix.

    Returns:
        OrderedDict[str, Tensor]: A plain state dict (float32 tensors).

    Raises:
        DarknetWeightsError: When the conv layers and the key map's layers differ.
    """
    if set(layers) != set(key_map):
        raise DarknetWeightsError(
            'the cfg does not fit the key map: conv layers missing from the map '
            f'{sorted(set(layers) - set(key_map))}, mapped layers that are not conv layers '
            f'{sorted(set(key_map) - set(layers))}')
    state: 'OrderedDict[str, Tensor]' = OrderedDict()
    for index in sorted(layers):
        arrays, prefix = layers[index], key_map[index]
        if 'bn_bias' in arrays:
            state[f'{prefix}.conv.weight'] = torch.from_numpy(arrays['weight'])
            state[f'{prefix}.bn.weight'] = torch.from_numpy(arrays['bn_weight'])
            state[f'{prefix}.bn.bias'] = torch.from_numpy(arrays['bn_bias'])
            state[f'{prefix}.bn.running_mean'] = torch.from_numpy(arrays['bn_mean'])
            state[f'{prefix}.bn.running_var'] = torch.from_numpy(arrays['bn_var'])
            state[f'{prefix}.bn.num_batches_tracked'] = torch.tensor(0)
        else:
            state[f'{prefix}.weight'] = torch.from_numpy(arrays['weight'])
            state[f'{prefix}.bias'] = torch.from_numpy(arrays['bias'])
    return state
