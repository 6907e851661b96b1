"""RUAS: Retinex-inspired unrolling with cooperative prior architecture search (Liu et al.,
CVPR 2021).

Three unrolled illumination-estimation stages (IEM) each refine a illumination map ``t`` with a
searched cell and give ``u = clamp(x / t, 0, 1)``; a noise-removal network (NRM, searched cells
too) optionally denoises the last ``u``. The cells use the genotypes published with the code
(``genotypes.py``: ``IEM`` and ``NRM``). Official code: https://github.com/KarelZhang/RUAS; its
test script saves the denoised output for the ``lol`` weights and the un-denoised one for
``upe`` and ``dark`` (``denoise`` here).
"""
from typing import Dict, Mapping, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sdag_bench.utils.checkpoint import load_weights
from sdag_bench.registry import MODELS
from .base import BaseEnhancer
from .key_maps import rename_keys

#: Searched operations of the seven cell slots (c1_d, c1_r, c2_d, c2_r, c3_d, c3_r, c4).
IEM_GENOTYPE = ('skip_connect', 'resconv_1x1', 'resdilconv_3x3', 'conv_3x3', 'conv_3x3',
                'skip_connect', 'conv_3x3')
NRM_GENOTYPE = ('resconv_1x1', 'resconv_1x1', 'resdilconv_3x3', 'skip_connect', 'resconv_1x1',
                'resconv_1x1', 'skip_connect')


class ConvOp(nn.Module):
    """A searched convolution, optionally residual (``resconv_*``) and dilated (``*dil*``)."""

    def __init__(self, channels: int, kernel_size: int, dilation: int = 1,
                 residual: bool = False) -> None:
        super().__init__()
        self.residual = residual
        self.op = nn.Conv2d(channels, channels, kernel_size, padding=(kernel_size // 2) * dilation,
                            dilation=dilation)

    def forward(self, x: Tensor) -> Tensor:
        out = self.op(x)
        return out + x if self.residual else out


def build_op(name: str, channels: int) -> nn.Module:
    """Build a searched operation by its genotype name, e.g. ``'resdilconv_3x3'``."""
    if name == 'skip_connect':
        return nn.Identity()
    kind, size = name.split('_')
    if kind not in ('conv', 'dilconv', 'resconv', 'resdilconv') or size not in ('1x1', '3x3'):
        raise ValueError(f'unknown RUAS operation {name!r}')
    return ConvOp(channels, int(size[0]), dilation=2 if 'dil' in kind else 1,
                  residual=kind.startswith('res'))


class SearchedCell(nn.Module):
    """The RUAS distillation cell: three distill/refine steps, a last op, a 1x1 fusion."""

    slots = ('c1_d', 'c1_r', 'c2_d', 'c2_r', 'c3_d', 'c3_r', 'c4')

    def __init__(self, channels: int, genotype: Sequence[str]) -> None:
        super().__init__()
        for slot, name in zip(self.slots, genotype, strict=True):
            self.add_module(slot, build_op(name, channels))
        self.c5 = nn.Conv2d(4 * channels, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        act = lambda t: F.leaky_relu(t, 0.05)  # noqa: E731
        d1, r1 = act(self.c1_d(x)), act(self.c1_r(x) + x)
        d2, r2 = act(self.c2_d(r1)), act(self.c2_r(r1) + r1)
        d3, r3 = act(self.c3_d(r2)), act(self.c3_r(r2) + r2)
        return self.c5(torch.cat([d1, d2, d3, act(self.c4(r3))], 1))


def local_max(x: Tensor) -> Tensor:
    """Max over each pixel's 2x2 window towards bottom-right, zero beyond the border."""
    x = F.pad(x, (0, 1, 0, 1))
    x = torch.maximum(x[:, :, :-1], x[:, :, 1:])
    return torch.maximum(x[..., :-1], x[..., 1:])


class NoiseRemovalNet(nn.Module):
    """NRM: stem conv, searched cells, conv to the noise ``n``; returns ``x - n``.

    Args:
        channels (int): Feature channels. Defaults to 6.
        num_cells (int): Searched cells. Defaults to 3.
    """

    def __init__(self, channels: int = 6, num_cells: int = 3) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 3, padding=1)
        self.nrms = nn.ModuleList(SearchedCell(channels, NRM_GENOTYPE) for _ in range(num_cells))
        self.out_conv = nn.Conv2d(channels, 3, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        feat = self.stem(x)
        for cell in self.nrms:
            feat = cell(feat)
        return x - self.out_conv(feat)


@MODELS.register_module()
class RUAS(BaseEnhancer):
    """RUAS enhancer.

    Args:
        denoise (bool): Apply the noise-removal network after the illumination stages (the
            official choice for the ``lol`` weights; ``upe`` / ``dark`` skip it). Defaults to False.
        num_stages (int): Unrolled illumination stages. Defaults to 3.
        denoiser_weights (str, optional): A converted ``denoise.pt`` to initialise the
            noise-removal network with (the official training does). Defaults to None.
    """

    trainable = True

    def __init__(self, denoise: bool = False, num_stages: int = 3,
                 denoiser_weights: Optional[str] = None) -> None:
        super().__init__()
        self.denoise = denoise
        self.iems = nn.ModuleList(SearchedCell(3, IEM_GENOTYPE) for _ in range(num_stages))
        self.denoiser = NoiseRemovalNet()
        if denoiser_weights:
            load_weights(self.denoiser, denoiser_weights)

    def forward_train(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Returns ``enhanced``, ``illumination`` (last ``t``) and ``illuminated`` (last ``u``,
        before denoising)."""
        u = inputs
        for k, cell in enumerate(self.iems):
            t_hat = local_max(inputs) if k == 0 else local_max(u) - 0.5 * (u - inputs)
            t = torch.clamp(torch.sigmoid(cell(t_hat)), 0.001, 1.0)
            u = torch.clamp(inputs / t, 0.0, 1.0)
        enhanced = torch.clamp(self.denoiser(u), 0, 1) if self.denoise else u
        return {'enhanced': enhanced, 'illumination': t, 'illuminated': u}

    def forward(self, inputs: Tensor) -> Tensor:
        return self.forward_train(inputs)['enhanced']


#: Official ``Network`` keys (``ckpt/{lol,upe,dark}.pt``) -> :class:`RUAS`.
RUAS_KEY_MAP = (
    (r'^enhance_net\.iems\.(\d+)\.cell\.', r'iems.\1.'),
    (r'^denoise_net\.activate\.0\.', 'denoiser.out_conv.'),
    (r'^denoise_net\.', 'denoiser.'),
)
#: Official ``DenoiseNetwork`` keys (``model/denoise.pt``) -> :class:`NoiseRemovalNet`.
RUAS_DENOISE_KEY_MAP = ((r'^activate\.0\.', 'out_conv.'), )


def convert_ruas(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Official RUAS weights -> :class:`RUAS` state dict."""
    return rename_keys(state_dict, RUAS_KEY_MAP)


def convert_ruas_denoiser(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Official pretrained denoiser ``denoise.pt`` -> :class:`NoiseRemovalNet` state dict."""
    return rename_keys(state_dict, RUAS_DENOISE_KEY_MAP)
