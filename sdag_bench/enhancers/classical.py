"""Classical (non-learned) enhancers used as baselines."""
from typing import Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
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


def _per_image_uint8(inputs: Tensor, fn) -> Tensor:
    """Run an OpenCV ``fn(uint8 RGB H x W x 3) -> uint8 RGB`` on every image of a batch."""
    images = (inputs.detach().clamp(0, 1) * 255).round().to(torch.uint8)
    images = images.permute(0, 2, 3, 1).cpu().numpy()
    out = np.stack([fn(np.ascontiguousarray(img)) for img in images])
    return torch.from_numpy(out).to(inputs.device).permute(0, 3, 1, 2).to(inputs.dtype) / 255


@MODELS.register_module()
class HistEq(BaseEnhancer):
    """Global histogram equalisation of the luma (Y of YCrCb; chroma kept), OpenCV."""

    @staticmethod
    def _equalize(img: np.ndarray) -> np.ndarray:
        ycrcb = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)
        ycrcb[..., 0] = cv2.equalizeHist(ycrcb[..., 0])
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)

    def forward(self, inputs: Tensor) -> Tensor:
        return _per_image_uint8(inputs, self._equalize)


@MODELS.register_module()
class CLAHE(BaseEnhancer):
    """Contrast-limited adaptive histogram equalisation of L (CIELAB), OpenCV.

    Args:
        clip_limit (float): OpenCV clip limit. Defaults to 2.0.
        tile_grid_size (tuple[int, int]): Tiles per (row, column). Defaults to (8, 8).
    """

    def __init__(self, clip_limit: float = 2.0, tile_grid_size: Tuple[int, int] = (8, 8)) -> None:
        super().__init__()
        self.clip_limit = float(clip_limit)
        self.tile_grid_size = tuple(int(t) for t in tile_grid_size)

    def _equalize(self, img: np.ndarray) -> np.ndarray:
        lab = cv2.cvtColor(img, cv2.COLOR_RGB2LAB)
        clahe = cv2.createCLAHE(clipLimit=self.clip_limit, tileGridSize=self.tile_grid_size)
        lab[..., 0] = clahe.apply(lab[..., 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)

    def forward(self, inputs: Tensor) -> Tensor:
        return _per_image_uint8(inputs, self._equalize)


def gaussian_blur(x: Tensor, sigma: float) -> Tensor:
    """Gaussian blur with edge replication; large sigmas are blurred on a downscaled copy.

    Args:
        x (Tensor): (N, C, H, W).
        sigma (float): Standard deviation in pixels of ``x``.

    Returns:
        Tensor: The blurred image, same shape.
    """
    h, w = x.shape[-2:]
    factor = max(1, int(sigma // 4))  # keep the kernel at most ~25 taps
    small = x if factor == 1 else F.interpolate(
        x, size=(max(1, h // factor), max(1, w // factor)), mode='area')
    s = sigma / factor
    radius = max(1, int(3 * s + 0.5))
    taps = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-taps**2 / (2 * s * s))
    kernel = kernel / kernel.sum()
    c = small.shape[1]
    small = F.pad(small, (radius, radius, 0, 0), mode='replicate')
    small = F.conv2d(small, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    small = F.pad(small, (0, 0, radius, radius), mode='replicate')
    small = F.conv2d(small, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    if factor == 1:
        return small
    return F.interpolate(small, size=(h, w), mode='bilinear', align_corners=False)


@MODELS.register_module()
class MSRCP(BaseEnhancer):
    """Multi-scale Retinex with chromaticity preservation (Petro, Sbert & Morel, IPOL 2014).

    The intensity ``I`` (channel mean) is replaced by its multi-scale Retinex
    ``mean_s(log I - log G_s * I)``, stretched per image between two percentiles; every pixel's
    RGB is scaled by the same factor ``min(I' / I, 1 / max_c x)``, so hue is kept and nothing
    clips. A flat image (no contrast to stretch) is returned unchanged.

    Args:
        sigmas (tuple[float, ...]): Gaussian surround scales in pixels. Defaults to
            (15, 80, 250).
        percentiles (tuple[float, float]): Low / high stretch points in [0, 1]. Defaults to
            (0.01, 0.99).
        eps (float): Offset avoiding log(0). Defaults to 1/255.
    """

    def __init__(self, sigmas: Tuple[float, ...] = (15, 80, 250),
                 percentiles: Tuple[float, float] = (0.01, 0.99), eps: float = 1 / 255) -> None:
        super().__init__()
        self.sigmas = tuple(float(s) for s in sigmas)
        self.percentiles = tuple(float(p) for p in percentiles)
        self.eps = float(eps)

    def forward(self, inputs: Tensor) -> Tensor:
        x = inputs.clamp(0, 1)
        intensity = x.mean(1, keepdim=True) + self.eps
        log_i = intensity.log()
        retinex = sum(log_i - gaussian_blur(intensity, s).log() for s in self.sigmas)
        retinex = retinex / len(self.sigmas)
        flat = retinex.flatten(1)
        if flat.shape[1] > 1_000_000:  # torch.quantile's size limit; a sample is enough
            flat = flat[:, ::flat.shape[1] // 1_000_000 + 1]
        q = torch.tensor(self.percentiles, dtype=x.dtype, device=x.device)
        lo, hi = torch.quantile(flat, q, dim=1).view(2, -1, 1, 1, 1)
        stretched = ((retinex - lo) / (hi - lo).clamp_min(1e-6)).clamp(0, 1)
        gain = torch.minimum(stretched / intensity, 1 / x.amax(1, keepdim=True).clamp_min(1e-6))
        out = x * gain
        has_contrast = (hi - lo) > 1e-4
        return torch.where(has_contrast, out, x).clamp(0, 1)
