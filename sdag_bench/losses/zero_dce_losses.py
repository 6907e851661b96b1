"""The non-reference losses of Zero-DCE (Guo et al., CVPR 2020), as in the official Myloss.py.

Published weights: Zero-DCE spa 1, exp 10 (E=0.6, 16x16 patches), col 5, tvA 200; Zero-DCE++
the same except tvA 1600.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

from sdag_bench.registry import MODELS
from .enhancement_loss import EnhancementLoss


def _avg_pool(x: Tensor, size: int) -> Tensor:
    """``AvgPool2d(size)``, the window shrunk to fit images smaller than it."""
    return F.avg_pool2d(x, min(size, x.shape[-2], x.shape[-1]))


def spatial_consistency_loss(enhanced: Tensor, inputs: Tensor, pool_size: int = 4) -> Tensor:
    """L_spa: keep the differences between each 4x4 region and its 4 neighbours.

    On channel-mean images average-pooled over ``pool_size`` regions, the difference to the
    left / right / up / down neighbour (zero beyond the border) must stay as in the input:
    ``mean(sum_dir (D_in - D_enh)^2)``.

    Args:
        enhanced (Tensor): (N, 3, H, W).
        inputs (Tensor): The low-light input, same shape.
        pool_size (int): Region size. Defaults to 4.

    Returns:
        Tensor: Scalar loss.
    """
    d = _avg_pool(inputs.mean(1, keepdim=True), pool_size) - \
        _avg_pool(enhanced.mean(1, keepdim=True), pool_size)
    p = F.pad(d, (1, 1, 1, 1))
    neighbours = (p[..., 1:-1, :-2], p[..., 1:-1, 2:], p[..., :-2, 1:-1], p[..., 2:, 1:-1])
    return sum((d - n)**2 for n in neighbours).mean()


def exposure_control_loss(enhanced: Tensor, patch_size: int = 16, target: float = 0.6) -> Tensor:
    """L_exp: mean squared distance of 16x16 patch intensities to the well-exposedness level."""
    return ((_avg_pool(enhanced.mean(1, keepdim=True), patch_size) - target)**2).mean()


def color_constancy_loss(enhanced: Tensor) -> Tensor:
    """L_col (grey-world): ``sqrt(sum_pairs (mean_p - mean_q)^4)`` over R, G, B, batch mean.

    The official value everywhere; where the three channel means are equal (a grey photo, or a
    black crop) the official ``sqrt`` has an infinite derivative and turns every gradient of the
    batch into NaN, so the square root is taken only where the sum is positive (gradient 0 at 0,
    the limit from either side).
    """
    r, g, b = enhanced.mean((2, 3)).unbind(1)
    squared = (r - g)**4 + (r - b)**4 + (b - g)**4
    positive = squared > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, squared, 1.0)), 0.0).mean()


def illumination_smoothness_loss(curves: Tensor) -> Tensor:
    """L_tvA: squared total variation of the curve maps (official normalisation, per batch)."""
    n, _, h, w = curves.shape
    h_tv = (curves[:, :, 1:] - curves[:, :, :-1]).pow(2).sum()
    w_tv = (curves[..., 1:] - curves[..., :-1]).pow(2).sum()
    return 2 * (h_tv / max((h - 1) * w, 1) + w_tv / max(h * (w - 1), 1)) / n


@MODELS.register_module()
class SpatialConsistencyLoss(EnhancementLoss):
    """Zero-DCE spatial consistency loss (see :func:`spatial_consistency_loss`).

    Args:
        pool_size (int): Region size. Defaults to 4.
        loss_weight (float): Defaults to 1.0.
    """

    input_keys = ('enhanced', 'inputs')

    def __init__(self, pool_size: int = 4, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pool_size = pool_size

    def forward(self, enhanced: Tensor, inputs: Tensor) -> Tensor:
        return self.loss_weight * spatial_consistency_loss(enhanced, inputs, self.pool_size)


@MODELS.register_module()
class ExposureControlLoss(EnhancementLoss):
    """Zero-DCE exposure control loss (see :func:`exposure_control_loss`).

    Args:
        patch_size (int): Defaults to 16.
        target (float): Well-exposedness level E. Defaults to 0.6.
        loss_weight (float): Defaults to 10.0 (published).
    """

    def __init__(self, patch_size: int = 16, target: float = 0.6, loss_weight: float = 10.0,
                 **kwargs) -> None:
        super().__init__(loss_weight=loss_weight, **kwargs)
        self.patch_size = patch_size
        self.target = float(target)

    def forward(self, enhanced: Tensor) -> Tensor:
        return self.loss_weight * exposure_control_loss(enhanced, self.patch_size, self.target)


@MODELS.register_module()
class ColorConstancyLoss(EnhancementLoss):
    """Zero-DCE colour constancy loss (see :func:`color_constancy_loss`).

    Args:
        loss_weight (float): Defaults to 5.0 (published).
    """

    def __init__(self, loss_weight: float = 5.0, **kwargs) -> None:
        super().__init__(loss_weight=loss_weight, **kwargs)

    def forward(self, enhanced: Tensor) -> Tensor:
        return self.loss_weight * color_constancy_loss(enhanced)


@MODELS.register_module()
class IlluminationSmoothnessLoss(EnhancementLoss):
    """Zero-DCE illumination smoothness loss on the curve maps (see
    :func:`illumination_smoothness_loss`).

    Args:
        loss_weight (float): Defaults to 200.0 (Zero-DCE; Zero-DCE++ uses 1600).
    """

    input_keys = ('curves', )

    def __init__(self, loss_weight: float = 200.0, **kwargs) -> None:
        super().__init__(loss_weight=loss_weight, **kwargs)

    def forward(self, curves: Tensor) -> Tensor:
        return self.loss_weight * illumination_smoothness_loss(curves)
