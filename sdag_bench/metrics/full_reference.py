"""Full-reference quality: PSNR and SSIM of float images in [0, 1], batched, on any device.

Colour: by default both are computed on RGB, as low-light enhancement papers evaluate LOL-style
pairs (PSNR over all three channels; SSIM averaged over the channels, like scikit-image's
``structural_similarity(..., channel_axis=-1)``). ``convert_to='y'`` uses the BT.601 luma of
MATLAB's ``rgb2ycbcr`` instead (the super-resolution convention of BasicSR), unrounded.

SSIM follows Wang et al. (IEEE TIP 2004): an 11x11 Gaussian window with sigma 1.5, ``K1 = 0.01``,
``K2 = 0.03``, population (not sample) statistics, and the mean of the SSIM map over the 'valid'
region (no padding). It equals ``skimage.metrics.structural_similarity(x, y, data_range=1,
gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``. Unlike Wang's MATLAB script it
does not downsample large images first. Arithmetic is float64.
"""
import math

import torch
import torch.nn.functional as F
from torch import Tensor

#: BT.601 luma of MATLAB's ``rgb2ycbcr`` for RGB in [0, 1], result in [16/255, 235/255].
Y_WEIGHTS = (65.481 / 255., 128.553 / 255., 24.966 / 255.)


def _prepare(img: Tensor, ref: Tensor, convert_to: str, crop_border: int) -> tuple[Tensor, Tensor]:
    """Check shapes, add a batch dim, convert to float64 and the chosen colour space, crop."""
    if img.shape != ref.shape:
        raise ValueError(f'image and reference shapes differ: {tuple(img.shape)} vs '
                         f'{tuple(ref.shape)}')
    if img.dim() == 3:
        img, ref = img[None], ref[None]
    if img.dim() != 4:
        raise ValueError(f'expected (B, C, H, W) or (C, H, W) images, got {tuple(img.shape)}')
    img, ref = img.double(), ref.double()
    if convert_to == 'y':
        if img.shape[1] != 3:
            raise ValueError(f"convert_to='y' needs RGB images, got {img.shape[1]} channels")
        weights = torch.tensor(Y_WEIGHTS, dtype=torch.float64, device=img.device)
        img = (torch.einsum('bchw,c->bhw', img, weights) + 16 / 255.)[:, None]
        ref = (torch.einsum('bchw,c->bhw', ref, weights) + 16 / 255.)[:, None]
    elif convert_to != 'rgb':
        raise ValueError(f"convert_to must be 'rgb' or 'y', got {convert_to!r}")
    if crop_border:
        img = img[..., crop_border:-crop_border, crop_border:-crop_border]
        ref = ref[..., crop_border:-crop_border, crop_border:-crop_border]
    return img, ref


def psnr(img: Tensor, ref: Tensor, data_range: float = 1.0, convert_to: str = 'rgb',
         crop_border: int = 0) -> Tensor:
    """Peak signal-to-noise ratio per image (higher is better).

    Args:
        img (Tensor): ``(B, C, H, W)`` or ``(C, H, W)`` float images.
        ref (Tensor): Reference images, same shape.
        data_range (float): Peak value. Defaults to 1.0.
        convert_to (str): 'rgb' (all channels) or 'y' (luma). Defaults to 'rgb'.
        crop_border (int): Pixels left out at each border. Defaults to 0.

    Returns:
        Tensor: ``(B,)`` float64 PSNR in dB (``inf`` for identical images).
    """
    img, ref = _prepare(img, ref, convert_to, crop_border)
    mse = (img - ref).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(data_range**2 / mse)


def gaussian_kernel(size: int = 11, sigma: float = 1.5) -> Tensor:
    """Normalised 1-D Gaussian taps, float64.

    Args:
        size (int): Number of taps. Defaults to 11.
        sigma (float): Standard deviation. Defaults to 1.5.

    Returns:
        Tensor: ``(size,)``.
    """
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-x**2 / (2 * sigma**2))
    return g / g.sum()


def ssim(img: Tensor, ref: Tensor, data_range: float = 1.0, convert_to: str = 'rgb',
         crop_border: int = 0, win_size: int = 11, sigma: float = 1.5, k1: float = 0.01,
         k2: float = 0.03) -> Tensor:
    """Structural similarity per image (higher is better, 1 for identical images).

    Args:
        img (Tensor): ``(B, C, H, W)`` or ``(C, H, W)`` float images; ``H, W >= win_size``.
        ref (Tensor): Reference images, same shape.
        data_range (float): Peak value. Defaults to 1.0.
        convert_to (str): 'rgb' (mean over channels) or 'y'. Defaults to 'rgb'.
        crop_border (int): Pixels left out at each border. Defaults to 0.
        win_size (int): Gaussian window side. Defaults to 11.
        sigma (float): Gaussian standard deviation. Defaults to 1.5.
        k1 (float): Luminance constant. Defaults to 0.01.
        k2 (float): Contrast constant. Defaults to 0.03.

    Returns:
        Tensor: ``(B,)`` float64 mean SSIM.
    """
    img, ref = _prepare(img, ref, convert_to, crop_border)
    b, c, h, w = img.shape
    if h < win_size or w < win_size:
        raise ValueError(f'SSIM needs images of at least {win_size}x{win_size}, got {h}x{w}')
    g = gaussian_kernel(win_size, sigma).to(img.device)
    stack = torch.cat([img, ref, img * img, ref * ref, img * ref], dim=1)  # (B, 5C, H, W)
    stack = F.conv2d(stack, g.view(1, 1, -1, 1).expand(5 * c, 1, -1, 1), groups=5 * c)
    stack = F.conv2d(stack, g.view(1, 1, 1, -1).expand(5 * c, 1, 1, -1), groups=5 * c)
    mu_x, mu_y, xx, yy, xy = stack.split(c, dim=1)
    var_x, var_y, cov = xx - mu_x**2, yy - mu_y**2, xy - mu_x * mu_y
    c1, c2 = (k1 * data_range)**2, (k2 * data_range)**2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / \
        ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return ssim_map.flatten(1).mean(1)


def psnr_from_mse(mse: float, data_range: float = 1.0) -> float:
    """PSNR in dB of a known mean squared error (for checks and tables).

    Args:
        mse (float): Mean squared error.
        data_range (float): Peak value. Defaults to 1.0.

    Returns:
        float: ``10 log10(data_range^2 / mse)``.
    """
    return 10 * math.log10(data_range**2 / mse) if mse > 0 else math.inf
