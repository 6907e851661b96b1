"""SCI's unsupervised losses (Ma et al., CVPR 2022), as in the official loss.py.

``loss = sum_stages 1.5 * MSE(i_s, x_s) + smoothing(x_s, i_s)`` where ``x_s`` is the input of
stage ``s`` and ``i_s`` its illumination. The smoothing term is an edge-aware total variation of
the illumination over the 24 neighbours within distance 2 (12 offsets, each counted twice as in
the official code), weighted by ``exp(-|dY|^2 / (2 sigma^2))`` on the YCbCr input.

One deliberate difference: the official ``rgb2yCbCr`` reshapes an NCHW tensor with
``view(-1, 3)``, mixing neighbouring pixels of one channel instead of taking each pixel's RGB.
We convert per pixel. With ``sigma = 10`` on [0, 1] images every weight lies in [0.985, 1], so
the two differ by less than 1.5 % of the term.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from sdag_bench.registry import MODELS
from .enhancement_loss import EnhancementLoss

#: (dy, dx) of the neighbour pairs; the official code lists each pair in both orders.
NEIGHBOUR_OFFSETS: Tuple[Tuple[int, int], ...] = (
    (1, 0), (0, 1), (1, 1), (1, -1), (2, 0), (0, 2), (2, 1), (2, -1), (1, 2), (1, -2), (2, 2),
    (2, -2))

#: The official matrix (transposed to act per pixel; its 0.564 for G in Y is kept as published).
_YCBCR = torch.tensor([[0.257, 0.564, 0.098], [-0.148, -0.291, 0.439], [0.439, -0.368, -0.071]])
_YCBCR_BIAS = torch.tensor([16.0, 128.0, 128.0]) / 255.0


def rgb_to_ycbcr(x: Tensor) -> Tensor:
    """YCbCr (BT.601 studio swing, SCI's coefficients) of RGB in [0, 1], per pixel."""
    mat = _YCBCR.to(x)
    return torch.einsum('ij,njhw->nihw', mat, x) + _YCBCR_BIAS.to(x).view(1, 3, 1, 1)


def _pair(x: Tensor, dy: int, dx: int) -> Tuple[Tensor, Tensor]:
    """Every pixel and its (dy, dx) neighbour, as two aligned crops."""
    h, w = x.shape[-2:]
    a = x[:, :, dy:, max(dx, 0):w + min(dx, 0)]
    b = x[:, :, :h - dy, max(-dx, 0):w - max(dx, 0)]
    return a, b


def edge_aware_smoothness(guide: Tensor, target: Tensor, sigma: float = 10.0,
                          channel_reduction: str = 'sum') -> Tensor:
    """Edge-aware L1 smoothness of ``target`` guided by the RGB image ``guide``.

    Args:
        guide (Tensor): RGB in [0, 1], (N, 3, H, W); its YCbCr differences set the weights.
        target (Tensor): The map to smooth, (N, C, H, W).
        sigma (float): Weight scale. Defaults to 10 (SCI).
        channel_reduction (str): 'sum' (SCI: L1 norm over channels) or 'mean' (RUAS).

    Returns:
        Tensor: Scalar, ``sum_offsets 2 * mean(w * |d target|)``.
    """
    ycc = rgb_to_ycbcr(guide)
    reduce = {'sum': torch.sum, 'mean': torch.mean}[channel_reduction]
    total = target.new_zeros(())
    for dy, dx in NEIGHBOUR_OFFSETS:
        ga, gb = _pair(ycc, dy, dx)
        if ga.numel() == 0:
            continue  # image too small for this offset
        weight = torch.exp(-(ga - gb).pow(2).sum(1, keepdim=True) / (2 * sigma * sigma))
        ta, tb = _pair(target, dy, dx)
        total = total + 2 * (weight * reduce((ta - tb).abs(), 1, keepdim=True)).mean()
    return total


def _per_stage(fn, a: Tensor, b: Tensor) -> Tensor:
    """Sum ``fn`` over stages when ``a`` and ``b`` are (N, S, C, H, W), else one call."""
    if a.dim() == 5:
        return sum(fn(a[:, s], b[:, s]) for s in range(a.shape[1]))
    return fn(a, b)


@MODELS.register_module()
class SCIFidelityLoss(EnhancementLoss):
    """``MSE(illumination, stage input)``, summed over stages.

    Args:
        loss_weight (float): Defaults to 1.5 (SCI; RUAS uses 0.5).
        input_keys (Sequence[str]): Defaults to ('stage_inputs', 'illumination').
    """

    input_keys = ('stage_inputs', 'illumination')

    def __init__(self, loss_weight: float = 1.5, **kwargs) -> None:
        super().__init__(loss_weight=loss_weight, **kwargs)

    def forward(self, stage_inputs: Tensor, illumination: Tensor) -> Tensor:
        return self.loss_weight * _per_stage(F.mse_loss, illumination, stage_inputs)


@MODELS.register_module()
class SCISmoothingLoss(EnhancementLoss):
    """Edge-aware smoothness of the illumination (see :func:`edge_aware_smoothness`), summed
    over stages.

    Args:
        sigma (float): Defaults to 10.
        channel_reduction (str): 'sum' (SCI) or 'mean' (RUAS). Defaults to 'sum'.
        loss_weight (float): Defaults to 1.0.
        input_keys (Sequence[str]): Defaults to ('stage_inputs', 'illumination').
    """

    input_keys = ('stage_inputs', 'illumination')

    def __init__(self, sigma: float = 10.0, channel_reduction: str = 'sum', **kwargs) -> None:
        super().__init__(**kwargs)
        if channel_reduction not in ('sum', 'mean'):
            raise ValueError(f"channel_reduction must be 'sum' or 'mean', got {channel_reduction}")
        self.sigma = float(sigma)
        self.channel_reduction = channel_reduction

    def forward(self, stage_inputs: Tensor, illumination: Tensor) -> Tensor:
        def smooth(guide: Tensor, target: Tensor) -> Tensor:
            return edge_aware_smoothness(guide, target, self.sigma, self.channel_reduction)
        return self.loss_weight * _per_stage(smooth, stage_inputs, illumination)
