"""The common shape of unsupervised enhancement losses: a weight and the outputs they read."""
from typing import Optional, Sequence, Tuple

from torch import nn


class EnhancementLoss(nn.Module):
    """Base of losses used by ``UnsupervisedEnhancerModel``.

    The model calls ``loss(*[outputs[k] for k in loss.input_keys])`` where ``outputs`` is the
    enhancer's ``forward_train`` dict plus ``'inputs'``.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        input_keys (Sequence[str], optional): Overrides the class's ``input_keys``.
    """

    #: Entries of the outputs dict passed positionally to ``forward``.
    input_keys: Tuple[str, ...] = ('enhanced', )

    def __init__(self, loss_weight: float = 1.0,
                 input_keys: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        if input_keys is not None:
            self.input_keys = tuple(input_keys)

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}, input_keys={self.input_keys}'
