"""Does image quality predict recognition? Kendall's tau between two metrics across rows."""
import numpy as np


def kendall_tau_draws(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b between ``x`` and ``y`` along the last axis, vectorised over the rest.

    Args:
        x (np.ndarray): (..., n) values of one metric for n rows (NaN rows are left out
            pairwise: a pair counts only where both rows are finite in both metrics).
        y (np.ndarray): (..., n) the other metric, same rows.

    Returns:
        np.ndarray: (...) tau-b (ties corrected as ``scipy.stats.kendalltau``); NaN where
        fewer than two rows are finite or one metric is constant.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    pair = ok[..., :, None] & ok[..., None, :]
    iu = np.triu(np.ones(x.shape[-1:] * 2, bool), 1)
    pair &= iu
    with np.errstate(invalid='ignore'):
        dx = np.sign(x[..., :, None] - x[..., None, :])
        dy = np.sign(y[..., :, None] - y[..., None, :])
    dx = np.where(pair, dx, 0.0)
    dy = np.where(pair, dy, 0.0)
    concordance = (dx * dy).sum((-2, -1))
    untied_x = (dx != 0).sum((-2, -1))
    untied_y = (dy != 0).sum((-2, -1))
    with np.errstate(invalid='ignore', divide='ignore'):
        return concordance / np.sqrt(untied_x.astype(np.float64) * untied_y)


def kendall_tau(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b of two 1-d sequences (see :func:`kendall_tau_draws`)."""
    return float(kendall_tau_draws(np.asarray(x), np.asarray(y)))
