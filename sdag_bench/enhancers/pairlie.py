"""PairLIE (Fu et al., CVPR 2023): Retinex decomposition learned from pairs of low-light images.

Three plain 5-layer CNNs: ``N`` removes noise, ``L`` estimates a 1-channel illumination and ``R``
the reflectance of the cleaned image; the output is ``L^0.2 * R`` (the official eval.py; 0.14 for
LOL). Training needs two low-light shots of one scene, which the unpaired folders here do not
give, so only the official weights are benchmarked. Official code:
https://github.com/zhenqifu/PairLIE.
"""
from typing import Dict, Mapping

import torch
from torch import Tensor, nn

from sdag_bench.registry import MODELS
from .base import BaseEnhancer
from .key_maps import rename_keys
from .layers import ReflectConv2d


class ConvStack(nn.Module):
    """Five reflection-padded 3x3 convolutions with ReLUs between, sigmoid output."""

    def __init__(self, out_channels: int, width: int = 64) -> None:
        super().__init__()
        ins, outs = [3] + [width] * 4, [width] * 4 + [out_channels]
        self.convs = nn.ModuleList(ReflectConv2d(i, o) for i, o in zip(ins, outs))

    def forward(self, x: Tensor) -> Tensor:
        for conv in self.convs[:-1]:
            x = torch.relu(conv(x))
        return torch.sigmoid(self.convs[-1](x))


@MODELS.register_module()
class PairLIE(BaseEnhancer):
    """PairLIE enhancer.

    Args:
        exponent (float): Illumination adjustment ``L ** exponent``. Defaults to 0.2.
        width (int): Feature channels. Defaults to 64.
    """

    #: Learned, but its training loss is not implemented here (benchmark only).
    trainable = False

    def __init__(self, exponent: float = 0.2, width: int = 64) -> None:
        super().__init__()
        self.exponent = float(exponent)
        self.noise = ConvStack(3, width)
        self.illumination = ConvStack(1, width)
        self.reflectance = ConvStack(3, width)

    def forward_train(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Returns ``enhanced``, ``denoised``, ``illumination`` (N x 1 x H x W), ``reflectance``."""
        clean = self.noise(inputs)
        illumination, reflectance = self.illumination(clean), self.reflectance(clean)
        return {'enhanced': illumination.pow(self.exponent) * reflectance, 'denoised': clean,
                'illumination': illumination, 'reflectance': reflectance}

    def forward(self, inputs: Tensor) -> Tensor:
        return self.forward_train(inputs)['enhanced']


_NETS = {'L': 'illumination', 'R': 'reflectance', 'N': 'noise'}
#: Official ``net``: ``{L,R,N}_net.{L,R,N}_net.{1,4,7,10,13}.*`` (Sequential with pads, ReLUs).
PAIRLIE_KEY_MAP = ((r'^([LRN])_net\.\1_net\.(\d+)\.',
                    lambda m: f'{_NETS[m.group(1)]}.convs.{(int(m.group(2)) - 1) // 3}.'), )


def convert_pairlie(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Official PairLIE weights -> :class:`PairLIE` state dict."""
    return rename_keys(state_dict, PAIRLIE_KEY_MAP)
