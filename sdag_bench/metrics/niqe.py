"""NIQE (Natural Image Quality Evaluator) in torch, batched, faithful to the MATLAB release.

Mittal, Soundararajan and Bovik, "Making a 'Completely Blind' Image Quality Analyzer", IEEE Signal
Processing Letters 20(3), 2013. Lower is better.

What is computed, in the MATLAB release's order (the same choices as BasicSR's ``calculate_niqe``):

1. The float RGB image in [0, 1] is quantised as it would be saved (``round(clip(x) * 255)``, half
   away from zero as MATLAB's ``im2uint8``); its luma is the BT.601 Y of MATLAB's ``rgb2ycbcr``
   (range [16, 235]) rounded to an integer, like ``rgb2ycbcr`` on a uint8 image. So a score equals
   the score of the saved PNG. (MATLAB's own ``niqe`` uses ``rgb2gray``; BasicSR and most papers
   use Y; we use Y.)
2. The image is cropped to whole 96x96 blocks (top-left kept).
3. At two scales (full and half size), MSCN coefficients ``(I - mu) / (sigma + 1)`` with a 7x7
   Gaussian window (sigma 7/6, replicate borders); per block (96x96, then 48x48): an AGGD fit of the
   coefficients (alpha, mean beta) and of their products with the four neighbours (circular shift
   inside the block: alpha, mean, beta_l, beta_r) -> 18 features per scale, 36 per block.
   The half-size image is MATLAB's ``imresize(I, 0.5)``: bicubic (a = -0.5) with antialiasing,
   which for an even length is an 8-tap filter of stride 2 with symmetric borders.
4. The mean (NaN-ignoring) and covariance (rows without NaN) of the block features are compared with
   the pristine model: ``sqrt(d^T pinv((cov_pris + cov) / 2) d)``.

Blocks whose coefficients are all zero (flat areas) give NaN features exactly as in MATLAB (the
shape parameter then takes the first grid value, 0.2, as MATLAB's ``min`` does). Coefficients with
magnitude below ``MSCN_ZERO_TOL`` are set to 0 first: a flat area has exactly zero coefficients in
exact arithmetic, and without this step the rounding noise of the Gaussian filter (about 1e-15)
would decide its features; the reference implementation in the tests does the same.

How far NIQE implementations disagree, and why. Pinned in the tests to BasicSR's
``calculate_niqe`` (numpy, an implementation that is not ours) on 111 real photos (DICM, LIME, SCI
data): median |difference| 9e-5, at most 0.005 (LIME ``7.bmp``, ``9.bmp``). The algorithm is the
same; the differences come from floating-point rounding, which NIQE amplifies on flat areas:

- luma at .5 ties: BasicSR computes Y in float32 and rounds; we compute it in integers. Y values
  within float32 rounding of a .5 tie round apart by one grey level (1 pixel of 202 500 in LIME
  ``7.bmp``, 31 of 166 500 in SCI ``easy/0224.png``). In a nearly flat area the local
  deviation ``sigma`` is tiny, so a one-level step is a large MSCN coefficient: it moves the AGGD
  fit of its block, and with only 15-20 blocks per image the score moves by 0.003-0.004 (fed
  BasicSR's luma, ours agrees with it to 1.3e-6 on ``0224.png`` and 5e-4 on ``7.bmp``);
- flat blocks: their coefficients are zero in exact arithmetic (NaN features, left out of the
  model); implementations that keep the filter's rounding noise fit an AGGD to that noise instead.
  Setting ``MSCN_ZERO_TOL`` to 0 moves DICM ``53.jpg`` (one flat block) by 0.04.

So NIQE scores from different code should be compared to about two decimals, and scores of dark,
flat images (most low-light inputs) are the touchiest.

All arithmetic is float64, on the device of the input. For speed on CPUs images are processed one at
a time, in bands of block rows through buffers allocated once per call, and each AGGD fit needs only
sums and 2-norms of the positive part, negative part and sign of its samples.
"""
import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from sdag_bench.utils.safe_load import load_npz
from .threads import torch_threads

#: Standard NIQE pristine model (see ``tools/extract_niqe_params.py`` for provenance and licence).
NIQE_PARAMS_FILE = Path(__file__).parent / 'data' / 'niqe_pris_params.npz'
#: Coefficients smaller than this are exactly zero in exact arithmetic (see module docstring).
MSCN_ZERO_TOL = 1e-8
#: Relative singular-value cutoff of the pseudo-inverse (numpy's ``pinv`` default).
PINV_RCOND = 1e-15
#: Pixels per band of block rows processed at once (keeps temporaries in the CPU cache).
BAND_PIXELS = 160_000
_local = threading.local()
#: 1-D taps of MATLAB's ``fspecial('gaussian', 7, 7/6)`` (the 2-D window is their outer product).
_G = np.exp(-np.arange(-3., 4.)**2 / (2 * (7 / 6)**2))
GAUSSIAN_TAPS = tuple((_G / _G.sum()).tolist())
#: Normalised taps of MATLAB's antialiased bicubic ``imresize`` at scale 0.5 (8 taps, stride 2).
HALF_SCALE_TAPS = (-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125,
                   -0.03515625, -0.01171875)
#: BT.601 luma of MATLAB's ``rgb2ycbcr`` in integers:
#: Y = 16 + (65481 R + 128553 G + 24966 B) / 255000.
Y_INT = (65481, 128553, 24966, 255000)
#: The four neighbour offsets of the MATLAB release (``circshift`` inside each block).
PAIR_SHIFTS = ((0, 1), (1, 0), (1, 1), (-1, 1))


@lru_cache(maxsize=None)
def load_niqe_params(path: str = str(NIQE_PARAMS_FILE)) -> tuple[np.ndarray, np.ndarray]:
    """Load the pristine model.

    Args:
        path (str): ``.npz`` with ``mu_pris_param`` (1, 36) and ``cov_pris_param`` (36, 36).
            Defaults to the file shipped with the package.

    Returns:
        tuple: ``(mu (36,), cov (36, 36))`` float64 arrays.
    """
    npz = load_npz(path)
    return npz['mu_pris_param'].reshape(36), npz['cov_pris_param'].reshape(36, 36)


@lru_cache(maxsize=8)
def _constants(device: torch.device) -> tuple[Tensor, ...]:
    """AGGD shape grid ``0.2:0.001:10`` with its gamma ratios, and the pristine model, on device.

    ``r(a) = G(2/a)^2 / (G(1/a) G(3/a))`` is strictly increasing on the grid.
    """
    from scipy.special import gamma
    alpha = np.arange(0.2, 10.001, 0.001)
    r = gamma(2 / alpha)**2 / (gamma(1 / alpha) * gamma(3 / alpha))
    beta_scale = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    mean_scale = gamma(2 / alpha) / gamma(1 / alpha)
    return tuple(torch.from_numpy(np.ascontiguousarray(a)).to(device)
                 for a in (alpha, r, beta_scale, mean_scale, *load_niqe_params()))


def rgb_to_niqe_luma(img: Tensor) -> Tensor:
    """Integer-valued luma of images as NIQE sees them (see module docstring, step 1).

    Args:
        img (Tensor): ``(B, 3, H, W)`` RGB or ``(B, 1, H, W)`` grey, float in [0, 1].

    Returns:
        Tensor: ``(B, H, W)`` float64 with integer values (Y in [16, 235], or grey in [0, 255]).
    """
    if img.dim() != 4 or img.shape[1] not in (1, 3):
        raise ValueError(f'NIQE expects (B, 1 or 3, H, W) images, got shape {tuple(img.shape)}')
    # round half up to integers (truncation of non-negative values is floor)
    q = img.clamp(0, 1).mul_(255).add_(0.5).to(torch.int32)
    if img.shape[1] == 1:
        return q[:, 0].double()
    num = q[:, 0] * Y_INT[0]  # exact in int32: at most 255 * 219000 < 2^26
    num.add_(q[:, 1] * Y_INT[1]).add_(q[:, 2] * Y_INT[2])
    # floor((num + d / 2) / d) is exact: a quotient is either an integer or >= 1/d away from one
    return num.double().add_(Y_INT[3] // 2).div_(Y_INT[3]).floor_().add_(16)


def _correlate(x: Tensor, taps: tuple[float, ...], dim: int, stride: int = 1,
               out: Optional[Tensor] = None) -> Tensor:
    """'Valid' correlation of ``x`` with ``taps`` along ``dim`` (in-place shifted sums)."""
    span = stride * ((x.shape[dim] - len(taps)) // stride) + 1
    index = [slice(None)] * x.dim()

    def shifted(k: int) -> Tensor:
        index[dim] = slice(k, k + span, stride)
        return x[tuple(index)]

    out = torch.mul(shifted(0), taps[0], out=out)
    for k in range(1, len(taps)):
        out.add_(shifted(k), alpha=taps[k])
    return out


def half_size(img: Tensor) -> Tensor:
    """MATLAB ``imresize(img, 0.5)`` (bicubic, antialiased) of images with even sides.

    Args:
        img (Tensor): ``(B, H, W)`` with even ``H`` and ``W``.

    Returns:
        Tensor: ``(B, H // 2, W // 2)``.
    """
    img = _symmetric_pad(img, 3)
    return _correlate(_correlate(img, HALF_SCALE_TAPS, -2, 2), HALF_SCALE_TAPS, -1, 2)


def _symmetric_pad(img: Tensor, pad: int) -> Tensor:
    """Mirror ``pad`` samples on each side of the last two dims, edge sample included."""
    for dim in (-2, -1):
        n = img.shape[dim]
        img = torch.cat([img.narrow(dim, 0, pad).flip(dim), img,
                         img.narrow(dim, n - pad, pad).flip(dim)], dim=dim)
    return img


def _buffer(work: Optional[dict], name: str, shape: tuple, like: Tensor) -> Tensor:
    """A contiguous ``shape`` tensor carved from the reusable flat buffer ``work[name]``."""
    numel = math.prod(shape)
    if work is None:
        return like.new_empty(shape)
    flat = work.get(name)
    if flat is None or flat.numel() < numel:
        flat = work[name] = like.new_empty(numel)
    return flat[:numel].view(shape)


def _mscn_valid(padded: Tensor, work: Optional[dict] = None) -> Tensor:
    """MSCN coefficients of the centre of ``(..., h + 6, w + 6)``, buffers from ``work``."""
    *lead, h, w = padded.shape
    h, w = h - 6, w - 6
    rows = _buffer(work, 'rows', (2, *lead, h, w + 6), padded)
    _correlate(padded, GAUSSIAN_TAPS, -2, out=rows[0])
    square = torch.mul(padded, padded, out=_buffer(work, 'square', padded.shape, padded))
    _correlate(square, GAUSSIAN_TAPS, -2, out=rows[1])
    cols = _buffer(work, 'cols', (2, *lead, h, w), padded)
    mu, sigma = _correlate(rows, GAUSSIAN_TAPS, -1, out=cols).unbind(0)
    sigma.addcmul_(mu, mu, value=-1).abs_().sqrt_().add_(1)
    out = torch.sub(padded[..., 3:-3, 3:-3], mu, out=_buffer(work, 'coeffs', mu.shape, padded))
    out.div_(sigma)
    return out.masked_fill_(torch.abs(out, out=mu) < MSCN_ZERO_TOL, 0.)


def aggd_stats(x: Tensor, work: Optional[Tensor] = None, dims: int = 1) -> Tensor:
    """Sufficient statistics of an AGGD fit over the last ``dims`` dimensions.

    Args:
        x (Tensor): ``(m, N)`` samples (or ``(m, h, w)`` with ``dims=2``).
        work (Tensor, optional): ``(3, *x.shape)`` scratch space. Defaults to new memory.
        dims (int): How many trailing dimensions hold one fit's samples. Defaults to 1.

    Returns:
        Tensor: ``(m, 5)``: sums of squares of the negative and of the positive samples,
        ``n_neg + n_pos`` and ``n_pos - n_neg`` (sample counts, from the signs), sum of absolute
        values.
    """
    work = x.new_empty(3, *x.shape) if work is None else work
    pos, neg, sign = work.unbind(0)
    torch.clamp(x, min=0, out=pos)
    torch.sub(x, pos, out=neg)
    torch.sign(x, out=sign)
    dim = tuple(range(-dims, 0))
    # two single-pass reductions over all three (small batched matmuls are slower)
    sq_pos, sq_neg, n_nonzero = torch.linalg.vector_norm(work, dim=dim).square().unbind(0)
    sum_pos, sum_neg, n_diff = work.sum(dim).unbind(0)
    return torch.stack([sq_neg, sq_pos, n_nonzero, n_diff, sum_pos - sum_neg], -1)


def aggd_from_stats(stats: Tensor, n: Union[int, Tensor], consts: tuple[Tensor, ...]
                    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Moment-matching AGGD parameters (grid search of the shape, as in MATLAB).

    Args:
        stats (Tensor): ``(..., 5)`` from :func:`aggd_stats`.
        n (int | Tensor): Number of samples per fit (broadcast against ``stats[..., 0]``).
        consts (tuple): From ``_constants``.

    Returns:
        tuple: ``(alpha, beta_l, beta_r, G(2/alpha) / G(1/alpha))``, each ``(...)``.
    """
    alpha_grid, r_grid, beta_grid, mean_grid = consts[:4]
    sq_neg, sq_pos, n_nonzero, n_diff, abs_sum = stats.unbind(-1)
    n_neg, n_pos = ((n_nonzero - n_diff) / 2).round(), ((n_nonzero + n_diff) / 2).round()
    left_std = (sq_neg / n_neg).sqrt()  # 0/0 -> NaN when a side is empty, as MATLAB's mean([])
    right_std = (sq_pos / n_pos).sqrt()
    g = left_std / right_std
    r_hat = (abs_sum / n)**2 / ((sq_neg + sq_pos) / n)
    r_norm = (r_hat * (g**3 + 1) * (g + 1) / (g**2 + 1)**2).contiguous()
    # argmin over the grid of (r - r_norm)^2; r is increasing, so only the two neighbours of the
    # insertion point compete (ties go to the lower index, as argmin does).
    hi = torch.searchsorted(r_grid, r_norm).clamp_(1, len(r_grid) - 1)
    lo = hi - 1
    idx = torch.where((r_grid[hi] - r_norm)**2 < (r_grid[lo] - r_norm)**2, hi, lo)
    idx = idx.masked_fill_(torch.isnan(r_norm), 0)  # MATLAB's min over all-NaN: first index
    beta = beta_grid[idx]
    return alpha_grid[idx], left_std * beta, right_std * beta, mean_grid[idx]


def _band_stats(coeffs: Tensor, block: int, work: dict) -> Tensor:
    """AGGD statistics ``(n_tiles, 5 sample sets, 5)`` of the tiles of a band of coefficients.

    The sample sets are the coefficients and their products with the four neighbours, with
    circular shifts inside each tile (``circshift`` in the MATLAB release).
    """
    h, w = coeffs.shape
    n, b = (h // block) * (w // block), block
    wrapped = _buffer(work, 'wrapped', (n, b + 2, b + 2), coeffs)  # tiles, circular border
    wrapped[:, 1:-1, 1:-1].view(h // b, w // b, b, b).copy_(
        coeffs.view(h // b, b, w // b, b).transpose(1, 2))
    wrapped[:, 0, 1:-1], wrapped[:, -1, 1:-1] = wrapped[:, -2, 1:-1], wrapped[:, 1, 1:-1]
    wrapped[:, :, 0], wrapped[:, :, -1] = wrapped[:, :, -2], wrapped[:, :, 1]
    tiles = wrapped[:, 1:-1, 1:-1]
    samples = _buffer(work, 'samples', (4, n, b, b), coeffs)
    products, scratch = samples[0], samples[1:]
    stats = [aggd_stats(tiles, scratch, dims=2)]
    for dy, dx in PAIR_SHIFTS:
        neighbour = wrapped[:, 1 - dy:1 - dy + b, 1 - dx:1 - dx + b]
        stats.append(aggd_stats(torch.mul(tiles, neighbour, out=products), scratch, dims=2))
    return torch.stack(stats, dim=1)


def _features_from_stats(stats: Tensor, n: Union[int, Tensor], consts: tuple[Tensor, ...]
                         ) -> Tensor:
    """18 features ``(..., 18)`` from statistics ``(..., 5 sample sets, 5)`` of ``n`` samples."""
    alpha, beta_l, beta_r, mean_scale = aggd_from_stats(stats, n, consts)
    feats = [alpha[..., 0], (beta_l[..., 0] + beta_r[..., 0]) / 2]
    for k in range(1, 5):
        feats += [alpha[..., k], (beta_r[..., k] - beta_l[..., k]) * mean_scale[..., k],
                  beta_l[..., k], beta_r[..., k]]
    return torch.stack(feats, dim=-1)


def scale_stats(img: Tensor, block: int, workspaces: Optional[dict] = None) -> Tensor:
    """AGGD statistics of every ``block`` x ``block`` tile of one scale.

    Works in bands of block rows (about ``BAND_PIXELS`` pixels) through buffers allocated once:
    fresh multi-megabyte temporaries cost page faults on every band (a third of the CPU time).

    Args:
        img (Tensor): ``(B, H, W)`` float64, sides multiples of ``block``.
        block (int): Tile side.
        workspaces (dict, optional): Buffers to reuse between calls, keyed by block size.
            Defaults to None (new buffers).

    Returns:
        Tensor: ``(B, n_tiles, 5 sample sets, 5)``, tiles in row-major order.
    """
    b, h, w = img.shape
    rows = min(h, block * max(1, BAND_PIXELS // (block * w)))
    # buffers made under torch.inference_mode are inference tensors, which may not be written
    # outside it: one set of buffers per mode
    key = (block, img.device, img.dtype, torch.is_inference_mode_enabled())
    work = None if workspaces is None else workspaces.setdefault(key, {})
    stats = []
    for i in range(b):
        padded = F.pad(img[i:i + 1, None], (3, 3, 3, 3), mode='replicate')[0, 0]
        for top in range(0, h, rows):
            bottom = min(h, top + rows)
            coeffs = _mscn_valid(padded[top:bottom + 6], work)
            stats.append(_band_stats(coeffs, block, work))
    return torch.cat(stats).reshape(b, -1, 5, 5)


def niqe_features(luma: Tensor, block_size: int = 96,
                  workspaces: Optional[dict] = None) -> Tensor:
    """Block features at two scales of integer-valued luma images.

    Args:
        luma (Tensor): ``(B, H, W)`` float64 in [0, 255], ``H, W >= block_size``.
        block_size (int): Block side at full scale (even). Defaults to 96.
        workspaces (dict, optional): Buffers reused between calls (see :func:`scale_stats`).

    Returns:
        Tensor: ``(B, n_blocks, 36)``.
    """
    *_, h, w = luma.shape
    if h < block_size or w < block_size:
        raise ValueError(f'NIQE needs images of at least {block_size}x{block_size} pixels, got '
                         f'{h}x{w}')
    consts = _constants(luma.device)
    img = luma[..., :h // block_size * block_size, :w // block_size * block_size]
    stats = torch.stack([scale_stats(img, block_size, workspaces),
                         scale_stats(half_size(img), block_size // 2, workspaces)], dim=2)
    samples = torch.tensor([block_size**2, (block_size // 2)**2], dtype=stats.dtype,
                           device=stats.device)[:, None]  # per scale and sample set
    return _features_from_stats(stats, samples, consts).flatten(-2)  # (B, n, 2 x 18)


def niqe_from_features(feats: Tensor, mu_pris: Tensor, cov_pris: Tensor) -> Tensor:
    """Distance of each image's block features to the pristine model (Eq. 10 of the paper).

    Args:
        feats (Tensor): ``(B, n_blocks, 36)``, may contain NaN.
        mu_pris (Tensor): ``(36,)`` pristine mean.
        cov_pris (Tensor): ``(36, 36)`` pristine covariance.

    Returns:
        Tensor: ``(B,)``; NaN for an image with fewer than two NaN-free blocks.
    """
    mu = feats.nanmean(dim=1)
    valid = ~torch.isnan(feats).any(-1, keepdim=True)  # rows used for the covariance
    n = valid.sum(1, keepdim=True).to(feats.dtype)  # (B, 1, 1)
    x = torch.where(valid, feats, torch.zeros_like(feats))
    centred = (x - x.sum(1, keepdim=True) / n) * valid
    cov = centred.transpose(1, 2) @ centred / (n - 1)
    ok = (n[:, 0, 0] >= 2) & ~torch.isnan(mu).any(-1)
    eye = torch.eye(36, dtype=cov.dtype, device=cov.device)
    cov = torch.where(ok[:, None, None], cov, eye)  # keep pinv finite; result masked below
    mu = torch.where(ok[:, None], mu, mu_pris)
    inv = torch.linalg.pinv((cov_pris + cov) / 2, rtol=PINV_RCOND)
    d = (mu_pris - mu).unsqueeze(-1)
    quality = (d.transpose(1, 2) @ inv @ d)[:, 0, 0].sqrt()
    return torch.where(ok, quality, torch.full_like(quality, float('nan')))


def _workspaces() -> dict:
    """This thread's band buffers, reused between calls (they grow to the largest band seen, about
    12 MB for 640 x 480 images): allocating them afresh costs thousands of page faults per image
    once other work (a detector) has given the memory back to the system."""
    if not hasattr(_local, 'workspaces'):
        _local.workspaces = {}
    return _local.workspaces


def niqe(img: Tensor, block_size: int = 96, params: Optional[tuple[Tensor, Tensor]] = None,
         num_threads: Optional[int] = 1) -> Tensor:
    """NIQE of a batch of float images (lower is better).

    Args:
        img (Tensor): ``(B, 3, H, W)`` RGB, ``(B, 1, H, W)`` grey or ``(3, H, W)``, float in
            [0, 1], on any device; ``H, W >= block_size``.
        block_size (int): Block side. Defaults to 96 (the model was fitted with it).
        params (tuple[Tensor, Tensor], optional): ``(mu (36,), cov (36, 36))`` to replace the
            shipped pristine model. Defaults to None.
        num_threads (int, optional): CPU intra-op threads while computing (restored afterwards).
            NIQE is hundreds of small memory-bound operations; on a busy CPU every OpenMP parallel
            region waits for all its threads, which made 2 threads up to 40x slower than 1 on a
            shared 2-core machine. Defaults to 1; None keeps torch's setting. Ignored off CPU.

    Returns:
        Tensor: ``(B,)`` float64 scores; NaN for an image with NaN/Inf values or too few textured
        blocks.
    """
    if img.dim() == 3:
        img = img.unsqueeze(0)
    threads = num_threads if img.device.type == 'cpu' else None
    with torch.no_grad(), torch_threads(threads):
        finite = torch.isfinite(img.sum(dim=(1, 2, 3)))  # any NaN/Inf makes the sum non-finite
        if not finite.all():
            finite = torch.isfinite(img).flatten(1).all(1)  # exact (a sum may also overflow)
            img = torch.where(finite[:, None, None, None], img, torch.zeros_like(img))
        # image by image: working sets stay small (a whole batch in float64 is slower on CPUs)
        workspaces = _workspaces()
        h, w = img.shape[-2:]
        img = img[..., :h // block_size * block_size, :w // block_size * block_size]  # whole blocks
        feats = torch.cat([niqe_features(rgb_to_niqe_luma(img[i:i + 1]), block_size, workspaces)
                           for i in range(len(img))])
        if params is None:
            mu_pris, cov_pris = _constants(feats.device)[4:]
        else:
            mu_pris, cov_pris = (torch.as_tensor(p, dtype=torch.float64, device=feats.device)
                                 for p in params)
        scores = niqe_from_features(feats, mu_pris, cov_pris)
        return torch.where(finite.to(scores.device), scores, torch.full_like(scores, math.nan))
