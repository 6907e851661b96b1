"""CLIP-LIT (Liang et al., ICCV 2023): prompt-learned enhancement of backlit images.

A small residual network with a pyramid-pooling module predicts a 1-channel light map ``l``;
the output is ``clamp(x / l, 0, 1)`` (official test.py, ``UNet_emb_oneBranch_symmetry(3, 1)``).
Training needs CLIP and its learned prompts, so only the official weights are benchmarked.
Official code: https://github.com/ZhexinLiang/CLIP-LIT.
"""
from typing import Dict, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sdag_bench.registry import MODELS
from .base import BaseEnhancer
from .key_maps import rename_keys
from .layers import ReflectConv2d


class ResidualBlock(nn.Module):
    """``lrelu(conv2(lrelu(conv1(x))) + x)``, bias-free reflection-padded 3x3 convolutions."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ReflectConv2d(channels, channels, bias=False)
        self.conv2 = ReflectConv2d(channels, channels, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv2(F.leaky_relu(self.conv1(x), 0.2))
        return F.leaky_relu(out + x, 0.2)


class PyramidPooling(nn.Module):
    """PSPNet-style pooling: features average-pooled to each bin size, reduced by 1x1 conv +
    PReLU, upsampled back, concatenated with the input and fused by a 3x3 conv + PReLU."""

    def __init__(self, channels: int, reduction: int, bins: Sequence[int] = (1, 2, 3, 6)) -> None:
        super().__init__()
        self.features = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(channels, reduction, 1, bias=False),
                          nn.PReLU()) for b in bins)
        self.fuse = nn.Sequential(
            nn.Conv2d(channels + reduction * len(bins), channels, 3, padding=1, bias=False),
            nn.PReLU())

    def forward(self, x: Tensor) -> Tensor:
        size = x.shape[-2:]
        pooled = [F.interpolate(f(x), size, mode='bilinear', align_corners=True)
                  for f in self.features]
        return self.fuse(torch.cat([x] + pooled, 1))


@MODELS.register_module()
class CLIPLIT(BaseEnhancer):
    """CLIP-LIT enhancement network.

    Args:
        eps (float): Floor of the light map in the division (the official code divides by a
            ReLU output, which is 0 where it saturates). Defaults to 1e-6.
    """

    #: Learned, but its training loss is not implemented here (benchmark only).
    trainable = False

    def __init__(self, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = float(eps)
        self.cond1 = ReflectConv2d(3, 32)
        self.condx = ReflectConv2d(32, 64)
        self.condy = ReflectConv2d(64, 32)
        self.cond_add1 = ReflectConv2d(32, 1)
        self.blocks = nn.ModuleList(ResidualBlock(c) for c in (32, 32, 64, 64, 32, 32))
        self.ppm = PyramidPooling(32, 8)

    def light_map(self, x: Tensor) -> Tensor:
        """The predicted light map, (N, 1, H, W), >= 0."""
        b = self.blocks
        feat = b[1](b[0](F.leaky_relu(self.cond1(x), 0.2)))
        feat = b[3](b[2](self.condx(self.ppm(feat))))
        feat = b[5](b[4](self.condy(feat)))
        return torch.relu(self.cond_add1(feat))

    def forward_train(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Returns ``enhanced`` and ``illumination`` (the light map)."""
        light = self.light_map(inputs)
        return {'enhanced': torch.clamp(inputs / light.clamp_min(self.eps), 0, 1),
                'illumination': light}

    def forward(self, inputs: Tensor) -> Tensor:
        return self.forward_train(inputs)['enhanced']


#: Official ``UNet_emb_oneBranch_symmetry`` keys (``module.`` already stripped) -> ours.
CLIP_LIT_KEY_MAP = ((r'^ResidualBlock(\d)\.', lambda m: f'blocks.{int(m.group(1)) - 1}.'),
                    (r'^PPM1\.', 'ppm.'))


def convert_clip_lit(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Official CLIP-LIT enhancement weights -> :class:`CLIPLIT` state dict."""
    return rename_keys(state_dict, CLIP_LIT_KEY_MAP)
