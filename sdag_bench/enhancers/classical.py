"""Classical (non-learned) enhancers used as baselines."""
import torch
from torch import Tensor

from sdag_bench.registry import MODELS
from .base import BaseEnhancer


@MODELS.register_module()
class Identity(BaseEnhancer):
    """No enhancement: returns its input unchanged (the lower-bound row)."""

    def forward(self, inputs: Tensor) -> Tensor:
        return inputs


@MODELS.register_module()
class Gamma(BaseEnhancer):
    """Global gamma brightening ``y = x ** gamma``.

    Args:
        gamma (float): Exponent; values below 1 brighten. Defaults to 0.4.
    """

    def __init__(self, gamma: float = 0.4) -> None:
        super().__init__()
        if gamma <= 0:
            raise ValueError(f'gamma must be positive, got {gamma}')
        self.gamma = float(gamma)

    def forward(self, inputs: Tensor) -> Tensor:
        return inputs.clamp(min=0).pow(self.gamma).clamp(max=1)
