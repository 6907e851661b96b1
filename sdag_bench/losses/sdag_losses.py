"""SDAG guidance loss: ``w * L1(E(x), SDAG(E(x)))`` with a frozen SDAG network."""
from typing import Callable, Optional, Union

import torch.nn.functional as F
from torch import Tensor, nn

from sdag_bench.registry import MODELS


def sdag_guidance_loss(enhanced: Tensor, sdag_net: Callable[[Tensor], Tensor],
                       reduction: str = 'mean') -> Tensor:
    """L1 distance between enhanced images and their SDAG reconstructions.

    Gradients reach ``enhanced`` through both arguments of the L1 (the reconstruction is not
    detached); whether ``sdag_net`` gets gradients is up to its parameters' ``requires_grad``.

    Args:
        enhanced (Tensor): Enhanced RGB images, shape (N, 3, H, W).
        sdag_net (Callable): A :class:`SemanticAwareNet` (RGB [0, 1] in and out).
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``. Defaults to ``'mean'``.

    Returns:
        Tensor: The loss (a scalar unless ``reduction='none'``).
    """
    return F.l1_loss(enhanced, sdag_net(enhanced), reduction=reduction)


@MODELS.register_module()
class SDAGLoss(nn.Module):
    """Guide an enhancer with a frozen SDAG network.

    The SDAG network is held outside this module's parameters and state dict: the enhancer's
    optimiser never sees it and its training checkpoints do not grow (or change layout) by
    adding the term. It still follows ``.to()`` / ``.cuda()`` calls on this module.

    Args:
        sdag (nn.Module | dict): A :class:`SemanticAwareNet` or its config (e.g. with
            ``checkpoint=``). It is frozen here.
        loss_weight (float): Weight ``w``; a hook may change it at every iteration.
            Defaults to 1.0.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``. Defaults to ``'mean'``.
    """

    #: The enhancer output this loss reads (see ``UnsupervisedEnhancerModel``).
    input_keys = ('enhanced', )

    def __init__(self, sdag: Union[nn.Module, dict], loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__()
        if reduction not in ('mean', 'sum', 'none'):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        net = MODELS.build(sdag) if isinstance(sdag, dict) else sdag
        if hasattr(net, 'freeze'):
            net.freeze()
        else:
            net.requires_grad_(False)
            net.eval()
        self._sdag = (net, )  # a tuple hides it from parameters(), state_dict() and train()
        self.loss_weight = loss_weight
        self.reduction = reduction

    @property
    def sdag_net(self) -> nn.Module:
        """The frozen SDAG network."""
        return self._sdag[0]

    def _apply(self, fn: Callable, recurse: bool = True) -> 'SDAGLoss':
        self.sdag_net._apply(fn)  # follow .to(), .cuda(), .float() ...
        return super()._apply(fn, recurse)

    def forward(self, enhanced: Tensor, reduction_override: Optional[str] = None) -> Tensor:
        """Weighted guidance loss.

        Args:
            enhanced (Tensor): Enhanced RGB images, shape (N, 3, H, W).
            reduction_override (str, optional): Overrides :attr:`reduction`. Defaults to None.

        Returns:
            Tensor: ``loss_weight * L1(enhanced, SDAG(enhanced))``.
        """
        reduction = reduction_override or self.reduction
        return self.loss_weight * sdag_guidance_loss(enhanced, self.sdag_net, reduction)

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}, reduction={self.reduction!r}, ' \
               f'sdag={type(self.sdag_net).__name__}'
