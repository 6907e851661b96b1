"""RUAS losses (Liu et al., CVPR 2021), from the official model.py.

Illumination (IEM) loss: ``0.5 * MSE(t, x) + smoothing(x, t)`` on the last illumination ``t``.
It is SCI's loss form (SCI grew out of RUAS), so configs use :class:`SCIFidelityLoss`
(``loss_weight=0.5``) and :class:`SCISmoothingLoss` (``channel_reduction='mean'``) with
``input_keys=('inputs', 'illumination')``. Two published quirks are not copied: the weight
coefficient ``-1.0 / 2 * sigma * sigma`` with ``sigma = 0.1`` (operator precedence) equals SCI's
``-1 / (2 * 10^2)``, so ``sigma=10`` is the same thing written plainly; and the official term
multiplies each weight map by the *global* mean gradient, which with weights in [0.985, 1]
differs from the per-pixel product by under 1.5 %.

Noise-removal (NRM) loss, here :class:`RUASDenoiseLoss`: ``TV(u_d) + 1e-7 * MSE(u_d, u)``.
Officially the NRM has its own optimiser and the IEM never sees this loss; trained here with one
optimiser, its gradient also reaches the IEM through ``u``.
"""
from torch import Tensor
import torch.nn.functional as F

from sdag_bench.registry import MODELS
from .enhancement_loss import EnhancementLoss


def total_variation(x: Tensor) -> Tensor:
    """Squared TV, RUAS normalisation: ``2 * (h_tv / (C (H-1) W) + w_tv / (C H (W-1))) / N``."""
    n, c, h, w = x.shape
    h_tv = (x[:, :, 1:] - x[:, :, :-1]).pow(2).sum()
    w_tv = (x[..., 1:] - x[..., :-1]).pow(2).sum()
    return 2 * (h_tv / max(c * (h - 1) * w, 1) + w_tv / max(c * h * (w - 1), 1)) / n


@MODELS.register_module()
class RUASDenoiseLoss(EnhancementLoss):
    """``TV(denoised) + mse_weight * MSE(denoised, illuminated)``.

    Args:
        mse_weight (float): Defaults to 1e-7 (published).
        loss_weight (float): Defaults to 1.0.
        input_keys (Sequence[str]): Defaults to ('enhanced', 'illuminated').
    """

    input_keys = ('enhanced', 'illuminated')

    def __init__(self, mse_weight: float = 1e-7, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mse_weight = float(mse_weight)

    def forward(self, denoised: Tensor, illuminated: Tensor) -> Tensor:
        loss = total_variation(denoised) + self.mse_weight * F.mse_loss(denoised, illuminated)
        return self.loss_weight * loss
