"""Zero-DCE (Guo et al., CVPR 2020) and Zero-DCE++ (Li et al., TPAMI 2021).

Both estimate pixel-wise light-enhancement curves ``LE(x) = x + r * (x^2 - x)`` with a small
network (DCE-Net) and apply them iteratively (8 times). Official code:
https://github.com/Li-Chongyi/Zero-DCE and https://github.com/Li-Chongyi/Zero-DCE_extension.
"""
from re import Match
from typing import Dict, List, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sdag_bench.registry import MODELS
from .base import BaseEnhancer
from .key_maps import rename_keys


def apply_curves(x: Tensor, curves: List[Tensor]) -> Tensor:
    """Apply the quadratic light-enhancement curve once per curve map.

    Args:
        x (Tensor): Image in [0, 1], shape (N, 3, H, W).
        curves (list[Tensor]): Curve parameters ``r`` in [-1, 1], each (N, 3, H, W); the same
            tensor may be repeated (Zero-DCE++ shares one map across iterations).

    Returns:
        Tensor: ``x`` after ``len(curves)`` iterations of ``x + r * (x^2 - x)``.
    """
    for r in curves:
        x = x + r * (x * x - x)
    return x


class DCENet(nn.Module):
    """DCE-Net trunk: 7 convolutions with symmetric skip concatenations, tanh output.

    Layer i (1-based) feeds on: 1-4 the previous layer; 5 on cat(3, 4); 6 on cat(2, 5);
    7 on cat(1, 6).

    Args:
        conv (callable): ``conv(in_channels, out_channels) -> nn.Module`` building one layer.
        out_channels (int): Channels of the curve maps (24 for Zero-DCE, 3 for Zero-DCE++).
        width (int): Feature channels. Defaults to 32.
    """

    def __init__(self, conv, out_channels: int, width: int = 32) -> None:
        super().__init__()
        ins = [3, width, width, width, 2 * width, 2 * width, 2 * width]
        outs = [width] * 6 + [out_channels]
        self.convs = nn.ModuleList(conv(i, o) for i, o in zip(ins, outs))

    def forward(self, x: Tensor) -> Tensor:
        """The curve maps. Each feature map is released once its last consumer has it (and
        the ReLUs work in place): at native size without autograd the peak is 192 feature
        channels per pixel instead of 280 (a 13 MP photo: ~10 GB instead of ~15 GB); the
        arithmetic, and so every output bit, is unchanged."""
        c = self.convs
        x1 = F.relu(c[0](x), inplace=True)
        x2 = F.relu(c[1](x1), inplace=True)
        x3 = F.relu(c[2](x2), inplace=True)
        skip = torch.cat([x3, F.relu(c[3](x3), inplace=True)], 1)  # x3, x4
        del x3
        x5 = F.relu(c[4](skip), inplace=True)
        skip = torch.cat([x2, x5], 1)
        del x2, x5
        x6 = F.relu(c[5](skip), inplace=True)
        skip = torch.cat([x1, x6], 1)
        del x1, x6
        return torch.tanh(c[6](skip))


def _conv3x3(in_channels: int, out_channels: int) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, 1, 1)


class DepthwiseSeparableConv(nn.Module):
    """3x3 depthwise convolution followed by a 1x1 pointwise one (Zero-DCE++ ``CSDN_Tem``)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, 3, 1, 1, groups=in_channels)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.pointwise(self.depthwise(x))


@MODELS.register_module()
class ZeroDCE(BaseEnhancer):
    """Zero-DCE: DCE-Net predicts ``num_iterations`` 3-channel curve maps, applied in turn.

    Args:
        num_iterations (int): Curve iterations (the paper's 8).
        width (int): DCE-Net feature channels. Defaults to 32.
        init_std (float, optional): Std of the normal init of conv weights used by the
            official training script (0.02); None keeps PyTorch's default. Defaults to 0.02.
    """

    trainable = True

    def __init__(self, num_iterations: int = 8, width: int = 32,
                 init_std: float = 0.02) -> None:
        super().__init__()
        self.num_iterations = num_iterations
        self.net = DCENet(_conv3x3, 3 * num_iterations, width)
        if init_std is not None:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.normal_(m.weight, 0.0, init_std)

    def forward_train(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Returns ``enhanced`` and ``curves`` (N, 3 * num_iterations, H, W)."""
        curves = self.net(inputs)
        enhanced = apply_curves(inputs, list(torch.split(curves, 3, dim=1)))
        return {'enhanced': enhanced, 'curves': curves}

    def forward(self, inputs: Tensor) -> Tensor:
        return self.forward_train(inputs)['enhanced']


@MODELS.register_module()
class ZeroDCEPP(BaseEnhancer):
    """Zero-DCE++: depthwise-separable DCE-Net on a downscaled input, one shared curve map.

    The curve map is estimated at ``1 / scale_factor`` resolution (bilinear), upsampled
    bilinearly (``align_corners=True``, as the official ``nn.UpsamplingBilinear2d``) to the input
    size and applied ``num_iterations`` times. The official test uses ``scale_factor=12`` on images
    cropped to multiples of 12, training uses 1. Any H x W works here: the map is always
    resized to the input size.

    Args:
        scale_factor (int): Downscaling factor of the curve estimation. Defaults to 1.
        num_iterations (int): Curve iterations. Defaults to 8.
        width (int): Feature channels. Defaults to 32.
    """

    trainable = True

    def __init__(self, scale_factor: int = 1, num_iterations: int = 8, width: int = 32) -> None:
        super().__init__()
        if scale_factor < 1:
            raise ValueError(f'scale_factor must be >= 1, got {scale_factor}')
        self.scale_factor = int(scale_factor)
        self.num_iterations = num_iterations
        self.net = DCENet(DepthwiseSeparableConv, 3, width)

    def estimate_curve(self, inputs: Tensor) -> Tensor:
        """The shared curve map ``r`` at input resolution, (N, 3, H, W)."""
        s = self.scale_factor
        if s == 1:
            return self.net(inputs)
        h, w = inputs.shape[-2:]
        if h >= s and w >= s:  # exactly the official resampling
            small = F.interpolate(inputs, scale_factor=1 / s, mode='bilinear')
        else:
            small = F.interpolate(inputs, size=(max(1, h // s), max(1, w // s)), mode='bilinear')
        return F.interpolate(self.net(small), size=(h, w), mode='bilinear', align_corners=True)

    def forward_train(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Returns ``enhanced`` and ``curves`` (the shared map, N x 3 x H x W)."""
        curve = self.estimate_curve(inputs)
        enhanced = apply_curves(inputs, [curve] * self.num_iterations)
        return {'enhanced': enhanced, 'curves': curve}

    def forward(self, inputs: Tensor) -> Tensor:
        return self.forward_train(inputs)['enhanced']


def _layer_index(match: Match) -> str:
    return f'net.convs.{int(match.group(1)) - 1}.'


#: Official Zero-DCE ``enhance_net_nopool``: ``e_conv{1..7}.{weight,bias}``.
ZERO_DCE_KEY_MAP = ((r'^e_conv(\d)\.', _layer_index), )
#: Official Zero-DCE++ ``enhance_net_nopool``: ``e_conv{1..7}.{depth,point}_conv.*``.
ZERO_DCE_PP_KEY_MAP = (
    (r'^e_conv(\d)\.depth_conv\.', lambda m: _layer_index(m) + 'depthwise.'),
    (r'^e_conv(\d)\.point_conv\.', lambda m: _layer_index(m) + 'pointwise.'),
)


def convert_zero_dce(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Official Zero-DCE (also SDAG's ``ZeroDCE_SDAG.pth``, SCL-LLE) keys -> :class:`ZeroDCE`."""
    return rename_keys(state_dict, ZERO_DCE_KEY_MAP)


def convert_zero_dce_pp(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Official Zero-DCE++ (also SGZ) keys -> :class:`ZeroDCEPP`."""
    return rename_keys(state_dict, ZERO_DCE_PP_KEY_MAP)
