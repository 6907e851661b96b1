"""Plain numpy NIQE, written from the published algorithm to check ``sdag_bench.metrics.niqe``.

Deliberately naive and independent of the torch code: one block at a time, a general MATLAB
``imresize`` (weights and mirrored indices for any length), a 2-D ``scipy.ndimage`` filter, a full
``argmin`` over the shape grid, ``np.cov`` and ``np.linalg.pinv``. Only the pristine model and the
constants of the algorithm are shared.

Mittal, Soundararajan and Bovik, "Making a 'Completely Blind' Image Quality Analyzer",
IEEE SPL 2013; the MATLAB release (``computequality.m``, ``computefeature.m``,
``estimateaggdparam.m``) and BasicSR's ``basicsr/metrics/niqe.py`` describe the same steps.
"""
import math

import numpy as np
from scipy.ndimage import correlate
from scipy.special import gamma

ALPHA_GRID = np.arange(0.2, 10.001, 0.001)
R_GRID = gamma(2 / ALPHA_GRID)**2 / (gamma(1 / ALPHA_GRID) * gamma(3 / ALPHA_GRID))


def rgb_to_y(rgb_uint8: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2ycbcr`` luma of an (H, W, 3) uint8 RGB image, rounded half up, as float64.

    ``16 + (65.481 R + 128.553 G + 24.966 B) / 255`` evaluated exactly with fractions of integers.
    """
    rgb = rgb_uint8.astype(np.int64)
    num = 65481 * rgb[..., 0] + 128553 * rgb[..., 1] + 24966 * rgb[..., 2]
    return (16 + (2 * num + 255000) // 510000).astype(np.float64)


def matlab_imresize(img: np.ndarray, scale: float) -> np.ndarray:
    """MATLAB ``imresize(img, scale)`` for a 2-D image: bicubic, antialiased when shrinking."""

    def cubic(x):
        ax = np.abs(x)
        return ((1.5 * ax**3 - 2.5 * ax**2 + 1) * (ax <= 1) +
                (-0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))

    def resize_axis(a, axis):
        in_len = a.shape[axis]
        out_len = math.ceil(in_len * scale)
        width = 4. / scale if scale < 1 else 4.
        out = np.arange(1, out_len + 1, dtype=np.float64)
        u = out / scale + 0.5 * (1 - 1 / scale)
        left = np.floor(u - width / 2)
        p = int(math.ceil(width)) + 2
        idx = left[:, None] + np.arange(p)[None, :]
        dist = u[:, None] - idx
        w = scale * cubic(dist * scale) if scale < 1 else cubic(dist)
        w = w / w.sum(1, keepdims=True)
        mirror = np.concatenate([np.arange(in_len), np.arange(in_len - 1, -1, -1)])
        idx = mirror[np.mod(idx.astype(int) - 1, 2 * in_len)]
        a = np.moveaxis(a, axis, 0)
        res = np.einsum('op,op...->o...', w, a[idx])
        return np.moveaxis(res, 0, axis)

    return resize_axis(resize_axis(img, 0), 1)


def aggd(x: np.ndarray, per_call_tables: bool = False) -> tuple[float, float, float]:
    """Moment-matching AGGD fit: (alpha, beta_l, beta_r).

    ``per_call_tables`` recomputes the shape grid's gamma ratios on every call, as BasicSR's
    ``estimate_aggd_param`` does (same result, for timing comparisons only).
    """
    x = x.ravel()
    r_grid = R_GRID
    if per_call_tables:
        r_grid = gamma(2 / ALPHA_GRID)**2 / (gamma(1 / ALPHA_GRID) * gamma(3 / ALPHA_GRID))
    with np.errstate(invalid='ignore', divide='ignore'):
        left = np.sqrt(np.mean(x[x < 0]**2)) if np.any(x < 0) else np.nan
        right = np.sqrt(np.mean(x[x > 0]**2)) if np.any(x > 0) else np.nan
        g = left / right
        r_hat = np.mean(np.abs(x))**2 / np.mean(x**2)
        r_norm = r_hat * (g**3 + 1) * (g + 1) / (g**2 + 1)**2
        err = (r_grid - r_norm)**2
    # MATLAB's min ignores NaN and returns the first index when everything is NaN.
    alpha = ALPHA_GRID[0] if np.all(np.isnan(err)) else ALPHA_GRID[np.nanargmin(err)]
    scale = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    return alpha, left * scale, right * scale


def block_feature(block: np.ndarray, per_call_tables: bool = False) -> list[float]:
    """18 features of one block of MSCN coefficients."""
    alpha, bl, br = aggd(block, per_call_tables)
    feats = [alpha, (bl + br) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (-1, 1)):
        alpha, bl, br = aggd(block * np.roll(block, shift, axis=(0, 1)), per_call_tables)
        feats += [alpha, (br - bl) * gamma(2 / alpha) / gamma(1 / alpha), bl, br]
    return feats


def niqe_reference(y: np.ndarray, mu_pris: np.ndarray, cov_pris: np.ndarray,
                   block: int = 96, zero_tol: float = 1e-8, per_call_tables: bool = False) -> float:
    """NIQE of a 2-D luma image in [0, 255] (float64); see :func:`aggd` for ``per_call_tables``."""
    h, w = y.shape
    nh, nw = h // block, w // block
    img = y[:nh * block, :nw * block].astype(np.float64)
    x = np.arange(7) - 3.
    g = np.exp(-x**2 / (2 * (7 / 6)**2))
    window = np.outer(g, g) / np.outer(g, g).sum()
    feats = []
    for scale in (1, 2):
        mu = correlate(img, window, mode='nearest')
        sigma = np.sqrt(np.abs(correlate(img * img, window, mode='nearest') - mu * mu))
        coeffs = (img - mu) / (sigma + 1)
        coeffs[np.abs(coeffs) < zero_tol] = 0
        b = block // scale
        feats.append(np.array([
            block_feature(coeffs[i * b:(i + 1) * b, j * b:(j + 1) * b], per_call_tables)
            for j in range(nw) for i in range(nh)
        ]))
        img = matlab_imresize(img, 0.5)
    feats = np.concatenate(feats, axis=1)
    mu_d = np.nanmean(feats, axis=0)
    cov_d = np.cov(feats[~np.isnan(feats).any(axis=1)], rowvar=False)
    inv = np.linalg.pinv((cov_pris + cov_d) / 2, rcond=1e-15)
    d = mu_pris.ravel() - mu_d
    return float(np.sqrt(d @ inv @ d))
