"""The contract every enhancer follows."""
from typing import Dict

import torch
from torch import Tensor, nn


class BaseEnhancer(nn.Module):
    """Base class of low-light enhancers.

    An enhancer maps a batch of RGB images in [0, 1], shape (N, 3, H, W), to a batch of the same
    shape, dtype and device, values in [0, 1]. It never moves itself to a device and works for any
    H x W (including 1 x 1 and odd sizes).

    Subclasses implement :meth:`forward`. Learnable methods override :meth:`forward_train` to also
    expose the intermediate maps their unsupervised losses need (curve maps, illumination, ...).
    """

    #: Whether the enhancer has parameters to train with an unsupervised loss.
    trainable: bool = False

    def forward(self, inputs: Tensor) -> Tensor:  # pragma: no cover - abstract
        """Enhance a batch.

        Args:
            inputs (Tensor): RGB images in [0, 1], shape (N, 3, H, W).

        Returns:
            Tensor: Enhanced RGB images in [0, 1], same shape.
        """
        raise NotImplementedError

    def forward_train(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Enhance a batch and return every map the training losses may use.

        Args:
            inputs (Tensor): RGB images in [0, 1], shape (N, 3, H, W).

        Returns:
            dict[str, Tensor]: At least ``'enhanced'``; subclasses add their own maps.
        """
        return {'enhanced': self(inputs)}

    @torch.no_grad()
    def enhance(self, inputs: Tensor) -> Tensor:
        """Inference helper: eval-mode, no-grad forward clamped to [0, 1]."""
        return self(inputs).clamp_(0, 1)
