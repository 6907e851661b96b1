"""Bootstrap over test images: seeded resample weights and vectorised AP / mean per resample.

A resample draws the M test images with replacement; it is stored as counts (B, M): how often
each image was drawn. Because every detection's true/false-positive status depends on its own
image only (``voc_matching.py``), the AP of a resample is the AP of the detections weighted by
their image's count: cumulative true/false positives become cumulative weighted sums over the
detections sorted once by score, the ground-truth count a weighted sum. Duplicated images give
tied scores whose true/false status is the same, which moves neither the precision envelope
nor the area under it, so this equals mmdet's ``eval_map`` on the duplicated image list.
"""
from typing import Tuple

import numpy as np

from .voc_matching import VocMatches


def bootstrap_weights(num_images: int, draws: int = 1000, seed: int = 0) -> np.ndarray:
    """Counts of each image in ``draws`` resamples with replacement (seeded).

    Args:
        num_images (int): M, the test images.
        draws (int): B, the resamples. Defaults to 1000.
        seed (int): Seed of ``numpy.random.default_rng``. Defaults to 0.

    Returns:
        np.ndarray: (B, M) int32 counts; every row sums to M.
    """
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, num_images, size=(draws, num_images))
    flat = (picks + num_images * np.arange(draws)[:, None]).ravel()
    return np.bincount(flat, minlength=draws * num_images).reshape(
        draws, num_images).astype(np.int32)


def _class_ap(images: np.ndarray, tp: np.ndarray, weights_t: np.ndarray,
              num_gts: np.ndarray, chunk_elements: int) -> np.ndarray:
    """Area-mode AP of one class for every resample (NaN where it has no ground truth).

    Only the true positives move recall, and the precision envelope's maxima sit on them, so
    the AP is ``sum_t w_t * envelope_t / num_gts`` over the true positives t; the false
    positives enter through the weighted count ranked above each one, a sparse product of the
    weights with a (true positive x image) count matrix of the false positives in between.
    """
    from scipy.sparse import csr_matrix
    num_images, draws = weights_t.shape
    ap = np.where(num_gts > 0, 0.0, np.nan)
    tp_pos = np.flatnonzero(tp)
    if len(tp_pos) == 0:
        return ap
    fp_pos = np.flatnonzero(~tp)
    segment = np.searchsorted(tp_pos, fp_pos)  # false positives ranked above true positive k
    keep = segment < len(tp_pos)  # those below the last true positive change no precision
    between = csr_matrix((np.ones(int(keep.sum())), (segment[keep], images[fp_pos[keep]])),
                         shape=(len(tp_pos), num_images))
    tp_images = images[tp_pos]
    step = max(1, chunk_elements // len(tp_pos))
    for lo in range(0, draws, step):
        w = weights_t[:, lo:lo + step]
        w_tp = w[tp_images]  # (T, b)
        cum_tp = np.cumsum(w_tp, axis=0)
        cum_fp = np.cumsum(between @ w, axis=0)
        precision = cum_tp / np.maximum(cum_tp + cum_fp, 1)
        envelope = np.maximum.accumulate(precision[::-1], axis=0)[::-1]
        gts = num_gts[lo:lo + step]
        with np.errstate(invalid='ignore', divide='ignore'):
            ap[lo:lo + step] = np.where(gts > 0, (w_tp * envelope).sum(0) / gts, np.nan)
    return ap


def voc_ap_draws(matches: VocMatches, weights: np.ndarray,
                 chunk_elements: int = 1 << 22) -> Tuple[np.ndarray, np.ndarray]:
    """VOC area-mode AP (per class and mean) of each resample.

    Args:
        matches (VocMatches): From :func:`match_voc`.
        weights (np.ndarray): (B, M) image counts (:func:`bootstrap_weights`; a row of ones
            gives the plain metric).
        chunk_elements (int): Resamples are processed in blocks of about this many
            (resample, true positive) entries, bounding memory. Defaults to 4 Mi.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``mean`` (B,) — the mean over classes with ground truth
        in that resample (0 when none has, as ``eval_map``) — and ``per_class`` (B, C), NaN for
        a class without ground truth in that resample.
    """
    weights = np.atleast_2d(weights)
    if weights.shape[1] != len(matches.img_ids):
        raise ValueError(f'weights cover {weights.shape[1]} images, the cell has '
                         f'{len(matches.img_ids)}')
    num_gts = weights.astype(np.int64) @ matches.num_gts  # (B, C)
    weights_t = np.ascontiguousarray(weights.T, dtype=np.float64)  # counts, exact
    per_class = np.stack([_class_ap(matches.images[c], matches.tp[c], weights_t, num_gts[:, c],
                                    chunk_elements)
                          for c in range(matches.num_gts.shape[1])], axis=1)
    counted = num_gts > 0
    with np.errstate(invalid='ignore'):
        mean = np.where(counted.any(1), np.nansum(per_class, 1) / np.maximum(counted.sum(1), 1),
                        0.0)
    return mean, per_class


def weighted_mean_draws(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean of per-image values (NaN = not scored, left out) in each resample.

    Args:
        values (np.ndarray): (M,) per-image values.
        weights (np.ndarray): (B, M) image counts.

    Returns:
        np.ndarray: (B,) means; NaN for a resample without any scored image.
    """
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    w = np.atleast_2d(weights)[:, finite].astype(np.float64)
    total = w.sum(1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, w @ values[finite] / total, np.nan)


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> Tuple[float, float]:
    """The central ``level`` percentile interval of bootstrap draws (NaN draws left out).

    Args:
        draws (np.ndarray): (B,) values.
        level (float): Coverage. Defaults to 0.95.

    Returns:
        tuple[float, float]: (low, high); NaN, NaN without finite draws.
    """
    draws = np.asarray(draws, dtype=np.float64)
    draws = draws[np.isfinite(draws)]
    if not len(draws):
        return float('nan'), float('nan')
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)
