"""Read YOLOX's ONNX export into mmdet's own YOLOX (CSPDarknet, YOLOXPAFPN, YOLOXHead).

Megvii's YOLOX exported to ONNX keeps no batch norm: each one is folded into the convolution
before it, and the convolutions' initialisers are anonymous (``onnx::Conv_1178``) except the
head's ``head.{cls,reg,obj}_preds.<level>``. The ONNX graph lists its ``Conv`` nodes in the order
the official code runs them, so the key map is that order, written out here for mmdet's module
names (:func:`yolox_conv_order`): official ``CSPLayer`` runs ``conv1`` (mmdet's ``main_conv``),
``conv2`` (``short_conv``), the bottlenecks, then ``conv3`` (``final_conv``); official YOLOPAFPN's
``lateral_conv0, C3_p4, reduce_conv1, C3_p3, bu_conv2, C3_n3, bu_conv1, C3_n4`` are mmdet's
``reduce_layers.0, top_down_blocks.0, reduce_layers.1, top_down_blocks.1, downsamples.0,
bottom_up_blocks.0, downsamples.1, bottom_up_blocks.1``; the official head's per-level ``stems``
are mmdet's ``neck.out_convs`` and the head runs, per level, stem, class convs, class
prediction, regression convs, regression and objectness predictions.

A folded convolution is loaded exactly into mmdet's conv + BN: the conv takes the folded weight,
the BN becomes the identity carrying the folded bias (weight 1, running mean 0, running variance
``1 - eps``). The reading is strict: the graph must hold exactly the expected convolutions (no
``BatchNormalization`` node), with the kernel, stride, padding and groups of the module each one
is mapped to, every weight of the expected shape, the head's named initialisers where the order
puts them, and no initialiser left unused.
"""
from collections import OrderedDict
from typing import List, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from sdag_bench.utils.checkpoint import CheckpointError


class YOLOXOnnxError(CheckpointError):
    """An ONNX file is not the YOLOX export the target model expects."""


def _depthwise_separable(prefix: str) -> List[str]:
    """Official ``DWConv`` (dconv, pconv) = mmdet ``DepthwiseSeparableConvModule``."""
    return [f'{prefix}.depthwise_conv', f'{prefix}.pointwise_conv']


def _csp_layer(prefix: str, num_blocks: int) -> List[str]:
    """Official ``CSPLayer`` order: conv1 (main), conv2 (short), bottlenecks, conv3 (final)."""
    order = [f'{prefix}.main_conv', f'{prefix}.short_conv']
    for i in range(num_blocks):
        order += [f'{prefix}.blocks.{i}.conv1'] + _depthwise_separable(f'{prefix}.blocks.{i}.conv2')
    return order + [f'{prefix}.final_conv']


def yolox_conv_order(stage_blocks: Sequence[int] = (1, 3, 3, 1), neck_blocks: int = 1,
                     num_levels: int = 3, stacked_convs: int = 2) -> List[str]:
    """mmdet module names of depthwise YOLOX's convolutions, in the official code's run order.

    Args:
        stage_blocks (Sequence[int]): Bottlenecks per backbone stage (deepen 0.33: 1, 3, 3, 1).
        neck_blocks (int): Bottlenecks per PAFPN CSP layer (deepen 0.33: 1).
        num_levels (int): Output levels (strides 8, 16, 32).
        stacked_convs (int): Depthwise-separable convs per head branch.

    Returns:
        list[str]: One name per ONNX ``Conv`` node: a ``ConvModule`` (conv + BN), or, for the
        head's predictions, a plain ``nn.Conv2d`` with bias.
    """
    order = ['backbone.stem.conv']
    for stage, blocks in enumerate(stage_blocks, start=1):
        order += _depthwise_separable(f'backbone.stage{stage}.0')
        if stage == len(stage_blocks):  # the last stage: SPP bottleneck before its CSP layer
            order += [f'backbone.stage{stage}.1.conv1', f'backbone.stage{stage}.1.conv2']
            order += _csp_layer(f'backbone.stage{stage}.2', blocks)
        else:
            order += _csp_layer(f'backbone.stage{stage}.1', blocks)
    for i in range(num_levels - 1):  # top-down: lateral 1x1, then the CSP layer
        order += [f'neck.reduce_layers.{i}'] + _csp_layer(f'neck.top_down_blocks.{i}', neck_blocks)
    for i in range(num_levels - 1):  # bottom-up: strided conv, then the CSP layer
        order += _depthwise_separable(f'neck.downsamples.{i}')
        order += _csp_layer(f'neck.bottom_up_blocks.{i}', neck_blocks)
    for level in range(num_levels):  # head, level by level
        order.append(f'neck.out_convs.{level}')
        for branch, pred in (('cls', ['cls']), ('reg', ['reg', 'obj'])):
            for j in range(stacked_convs):
                order += _depthwise_separable(f'bbox_head.multi_level_{branch}_convs.{level}.{j}')
            order += [f'bbox_head.multi_level_conv_{p}.{level}' for p in pred]
    return order


#: The official head's named initialisers -> mmdet's prediction convs.
_HEAD_NAMES = {'cls_preds': 'conv_cls', 'reg_preds': 'conv_reg', 'obj_preds': 'conv_obj'}


def _mmdet_head_name(onnx_name: str) -> str:
    """``head.cls_preds.0.weight`` -> ``bbox_head.multi_level_conv_cls.0`` ('' if not a head
    prediction)."""
    parts = onnx_name.split('.')
    if len(parts) == 4 and parts[0] == 'head' and parts[1] in _HEAD_NAMES:
        return f'bbox_head.multi_level_{_HEAD_NAMES[parts[1]]}.{parts[2]}'
    return ''


def read_onnx_convs(path: str) -> Tuple[List[dict], List[str]]:
    """The ``Conv`` nodes of an ONNX file with their weights, and its unused initialisers.

    Args:
        path (str): The ``.onnx`` file.

    Returns:
        tuple[list[dict], list[str]]: Per ``Conv`` node in graph order: ``node`` (its name),
        ``weight_name``, ``weight``, ``bias_name``, ``bias`` (float32 arrays; ``bias`` None when
        the node has none), ``group``, ``strides``, ``pads``; and the names of initialisers no
        node reads.

    Raises:
        YOLOXOnnxError: The file cannot be parsed, or it holds ``BatchNormalization`` nodes (batch
            norms not folded).
    """
    import onnx
    from onnx import numpy_helper

    try:
        model = onnx.load(path)
    except Exception as err:  # protobuf DecodeError, truncated file, not an ONNX file ...
        reason = str(err).splitlines()[0] if str(err) else ''
        raise YOLOXOnnxError(f'{path}: not a readable ONNX file ({type(err).__name__}: '
                             f'{reason})') from err
    graph = model.graph
    bn_nodes = [n.name or n.output[0] for n in graph.node if n.op_type == 'BatchNormalization']
    if bn_nodes:
        raise YOLOXOnnxError(f'{path}: {len(bn_nodes)} BatchNormalization nodes (first: '
                             f'{bn_nodes[0]}); expected an export with every batch norm folded '
                             'into its convolution')
    inits = {init.name: init for init in graph.initializer}
    used = {name for node in graph.node for name in node.input}
    convs = []
    for node in graph.node:
        if node.op_type != 'Conv':
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        names = list(node.input[1:3])
        missing = [n for n in names if n and n not in inits]
        if missing:
            raise YOLOXOnnxError(f'{path}: Conv node {node.name}: weight {missing[0]} is not an '
                                 'initialiser (a graph computing its own weights is not a YOLOX '
                                 'export)')
        bias_name = names[1] if len(names) > 1 and names[1] else ''
        convs.append(dict(
            node=node.name or node.output[0], weight_name=names[0],
            weight=numpy_helper.to_array(inits[names[0]]).astype(np.float32),
            bias_name=bias_name,
            bias=numpy_helper.to_array(inits[bias_name]).astype(np.float32) if bias_name else None,
            group=int(attrs.get('group', 1)), strides=tuple(attrs.get('strides', (1, 1))),
            pads=tuple(attrs.get('pads', (0, 0, 0, 0)))))
    unused = sorted(set(inits) - used)
    return convs, unused


def _check_conv(conv: dict, target: nn.Conv2d, name: str, path: str) -> None:
    """The ONNX node has the target conv's kernel, stride, padding, groups and a bias."""
    expected = tuple(target.weight.shape)
    if tuple(conv['weight'].shape) != expected:
        raise YOLOXOnnxError(f"{path}: Conv node {conv['node']} weight {conv['weight_name']} "
                             f"has shape {tuple(conv['weight'].shape)}, {name} expects {expected} "
                             '(another width, depth or not YOLOX?)')
    pad_h, pad_w = target.padding
    geometry = (conv['group'], conv['strides'], conv['pads'])
    wanted = (target.groups, tuple(target.stride), (pad_h, pad_w, pad_h, pad_w))
    if geometry != wanted:
        raise YOLOXOnnxError(f"{path}: Conv node {conv['node']} has groups, strides, pads "
                             f'{geometry}, {name} has {wanted}')
    if conv['bias'] is None:
        raise YOLOXOnnxError(f"{path}: Conv node {conv['node']} has no bias; a conv with its batch "
                             'norm folded in carries one')
    if conv['bias'].shape != (expected[0], ):
        raise YOLOXOnnxError(f"{path}: Conv node {conv['node']} bias {conv['bias_name']} has "
                             f"shape {conv['bias'].shape}, {name} expects ({expected[0]},)")


def yolox_state_dict_from_onnx(path: str, model: nn.Module,
                               order: Sequence[str]) -> 'OrderedDict[str, Tensor]':
    """Map an ONNX YOLOX export onto an mmdet YOLOX model's state dict, strictly.

    Args:
        path (str): The ``.onnx`` file.
        model (nn.Module): The target mmdet ``YOLOX`` (built from its config); only its modules'
            shapes, geometry and batch-norm ``eps`` are read.
        order (Sequence[str]): The module names in the ONNX ``Conv`` order
            (:func:`yolox_conv_order`).

    Returns:
        OrderedDict[str, Tensor]: A state dict with every key of ``model.state_dict()``.

    Raises:
        YOLOXOnnxError: On any mismatch (number of convolutions, a shape, a conv's geometry, a
            named head initialiser out of place, an unused initialiser).
    """
    convs, unused = read_onnx_convs(path)
    if unused:
        raise YOLOXOnnxError(f'{path}: {len(unused)} initialisers no node reads '
                             f'({", ".join(unused[:3])}...); left-over tensors are not expected')
    if len(convs) != len(order):
        raise YOLOXOnnxError(f'{path}: {len(convs)} Conv nodes; the target YOLOX has '
                             f'{len(order)} (another depth or width, or not a YOLOX export)')
    modules = dict(model.named_modules())
    state: 'OrderedDict[str, Tensor]' = OrderedDict()
    for conv, name in zip(convs, order):
        head_name = _mmdet_head_name(conv['weight_name'])
        if head_name != (name if name.startswith('bbox_head.multi_level_conv_') else ''):
            raise YOLOXOnnxError(f"{path}: Conv node {conv['node']} ({conv['weight_name']}) comes "
                                 f'where the order expects {name}: not the official YOLOX layout')
        module = modules[name]
        if isinstance(module, nn.Conv2d):  # a head prediction: plain conv with bias
            _check_conv(conv, module, name, path)
            state[f'{name}.weight'] = torch.from_numpy(conv['weight'])
            state[f'{name}.bias'] = torch.from_numpy(conv['bias'])
            continue
        _check_conv(conv, module.conv, name, path)
        channels, eps = conv['bias'].shape[0], module.bn.eps
        state[f'{name}.conv.weight'] = torch.from_numpy(conv['weight'])
        state[f'{name}.bn.weight'] = torch.ones(channels)
        state[f'{name}.bn.bias'] = torch.from_numpy(conv['bias'])
        state[f'{name}.bn.running_mean'] = torch.zeros(channels)
        state[f'{name}.bn.running_var'] = torch.full((channels, ), 1.0) - eps
        state[f'{name}.bn.num_batches_tracked'] = torch.tensor(0)
    return state


def yolox_conv_order_of(model: nn.Module) -> List[str]:
    """:func:`yolox_conv_order` for the depths of a built mmdet ``YOLOX`` (depthwise).

    Args:
        model (nn.Module): mmdet's ``YOLOX`` with a depthwise CSPDarknet and YOLOXPAFPN.

    Returns:
        list[str]: The module names in the official run order.
    """
    backbone, neck = model.backbone, model.neck
    stages = [getattr(backbone, name) for name in backbone.layers if name.startswith('stage')]
    return yolox_conv_order(
        stage_blocks=[len(stage[-1].blocks) for stage in stages],
        neck_blocks=len(neck.top_down_blocks[0].blocks),
        num_levels=len(neck.out_convs),
        stacked_convs=len(model.bbox_head.multi_level_cls_convs[0]))
