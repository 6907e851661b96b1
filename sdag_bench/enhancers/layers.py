"""Small layers shared by several enhancers."""
import torch.nn.functional as F
from torch import Tensor, nn


class ReflectConv2d(nn.Conv2d):
    """Stride-1 convolution on a reflection-padded input (``padding_mode='reflect'``), keeping the
    size; an input too small to reflect (side <= padding) is edge-replicated instead.

    Its parameters are those of a plain ``nn.Conv2d`` (``weight``, ``bias``).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, padding=0, bias=bias)
        self.pad = (kernel_size - 1) // 2

    def forward(self, x: Tensor) -> Tensor:
        if self.pad:
            mode = 'reflect' if min(x.shape[-2:]) > self.pad else 'replicate'
            x = F.pad(x, (self.pad, ) * 4, mode=mode)
        return super().forward(x)
