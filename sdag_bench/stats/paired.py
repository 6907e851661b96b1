"""Paired bootstrap: two rows evaluated on the same resampled test images."""
from typing import Dict

import numpy as np

from .bootstrap import percentile_interval


def paired_difference(draws_a: np.ndarray, draws_b: np.ndarray, point_a: float,
                      point_b: float, level: float = 0.95) -> Dict[str, float]:
    """Interval and two-sided p-value of ``a - b`` from draws made on the same resamples.

    The p-value is the bootstrap's two-sided test of "no difference": twice the smaller share
    of resampled differences on either side of 0 (each share counted with the +1 of
    Davison & Hinkley, so it is never 0 with finitely many draws), capped at 1.

    Args:
        draws_a (np.ndarray): (B,) metric of row a on each resample.
        draws_b (np.ndarray): (B,) metric of row b on the same resamples.
        point_a (float): Row a's metric on the test set itself.
        point_b (float): Row b's metric on the test set itself.
        level (float): Interval coverage. Defaults to 0.95.

    Returns:
        dict: ``delta`` (point_a - point_b), ``low``, ``high``, ``p`` and ``draws`` (finite
        resampled differences used).
    """
    diff = np.asarray(draws_a, np.float64) - np.asarray(draws_b, np.float64)
    diff = diff[np.isfinite(diff)]
    low, high = percentile_interval(diff, level)
    if len(diff):
        share = min((1 + np.sum(diff <= 0)) / (len(diff) + 1),
                    (1 + np.sum(diff >= 0)) / (len(diff) + 1))
        p = float(min(1.0, 2 * share))
    else:
        p = float('nan')
    return dict(delta=float(point_a - point_b), low=low, high=high, p=p, draws=int(len(diff)))
