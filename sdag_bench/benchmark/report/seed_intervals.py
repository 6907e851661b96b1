"""Is SDAG's gain significant? Training seeds and test-image resampling combined.

Each guided row and its plain row are evaluated once per training seed
(``plan/seed_cells.py``); every cell is bootstrapped over the same resampled test images
(``intervals.py``). The gain
Δ = mean over seeds of (guided - plain) then gets two intervals:

- ``images``: only the test images resampled (the seeds as trained): is the gain of these
  trained models larger than another draw of test images would give?
- ``seeds + images``: each resample also draws the seeds with replacement (a two-level
  bootstrap), so the interval covers both the training run and the test set.

A method's gain is called significant when the two-sided p-value of the second is < 0.05.
"""
import math
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd

from sdag_bench.stats import paired_difference
from ..plan.seed_cells import seed_of
from .interval_tables import ALPHA, SIGNIFICANT
from .intervals import CellDraws


def seed_significance(cells: Dict[Tuple[str, str, str], CellDraws], rows: Dict[str, str],
                      metric: str = 'AP50', seed: int = 0,
                      level: float = 0.95) -> pd.DataFrame:
    """Guided - plain over seeds, with image-only and seeds+images bootstrap intervals.

    Args:
        cells (dict): (enhancer, dataset, detector) -> :class:`CellDraws` of the seed cells.
        rows (dict[str, str]): Guided row -> plain row.
        metric (str): Canonical metric. Defaults to 'AP50'.
        seed (int): Seed of the seed resampling. Defaults to 0.
        level (float): Interval coverage. Defaults to 0.95.

    Returns:
        pd.DataFrame: ``method, guided, dataset, detector, seeds, delta, images_low,
        images_high, images_p, low, high, p, significant``.
    """
    lines = []
    groups = sorted({(d, t) for (_, d, t) in cells})
    for guided, plain in sorted(rows.items()):
        for dataset, detector in groups:
            by_seed: Dict[int, List[CellDraws]] = {}
            for (name, d, t), own in cells.items():
                if (d, t) != (dataset, detector):
                    continue
                for slot, row in enumerate((guided, plain)):
                    s = seed_of(name, row)
                    if s >= 0 and not (row == plain and seed_of(name, guided) >= 0):
                        by_seed.setdefault(s, [None, None])[slot] = own
            pairs = [(s, g, p) for s, (g, p) in sorted(by_seed.items())
                     if g is not None and p is not None and g.img_ids == p.img_ids
                     and metric in g.draws and metric in p.draws]
            if not pairs:
                continue
            gains = np.stack([g.draws[metric] - p.draws[metric] for _, g, p in pairs])  # (S, B)
            point = float(np.mean([g.points[metric] - p.points[metric] for _, g, p in pairs]))
            images = paired_difference(gains.mean(0), np.zeros(gains.shape[1]), point, 0.0,
                                       level)
            rng = np.random.default_rng(seed)
            picks = rng.integers(0, len(pairs), size=gains.shape[::-1])  # (B, S)
            both = gains[picks, np.arange(gains.shape[1])[:, None]].mean(1)
            combined = paired_difference(both, np.zeros_like(both), point, 0.0, level)
            lines.append(dict(method=plain, guided=guided, dataset=dataset, detector=detector,
                              seeds=len(pairs), delta=point, images_low=images['low'],
                              images_high=images['high'], images_p=images['p'],
                              low=combined['low'], high=combined['high'], p=combined['p'],
                              significant=bool(combined['p'] < ALPHA)))
    return pd.DataFrame(lines)


def format_seed_significance(table: pd.DataFrame, metric: str = 'AP50') -> str:
    """Markdown of :func:`seed_significance` with a verdict per method."""
    if table.empty:
        return '(no guided/plain pair with stored predictions on every seed)\n'

    def interval(low: float, high: float) -> str:
        return '–' if math.isnan(low) else f'[{low:+.3f}, {high:+.3f}]'

    shown = pd.DataFrame({
        'method': table.method, 'detector': table.detector, 'seeds': table.seeds,
        f'Δ{metric} (SDAG − plain)': [f'{d:+.3f}' for d in table.delta],
        'test images only': [f'{interval(lo, hi)} p={p:.3f}' for lo, hi, p in
                             zip(table.images_low, table.images_high, table.images_p)],
        'seeds + test images': [f'{interval(lo, hi)} p={p:.3f}' for lo, hi, p in
                                zip(table.low, table.high, table.p)],
        'SDAG gain': [f'significant{SIGNIFICANT}' if s else 'not significant'
                      for s in table.significant],
    })
    return shown.to_markdown(index=False, disable_numparse=True) + '\n'


def seed_significance_report(records: Sequence[dict], cell_dirs: Sequence[str],
                             rows: Dict[str, str], draws: int = 1000, seed: int = 0,
                             metric: str = 'AP50') -> Tuple[pd.DataFrame, str, List[str]]:
    """Bootstrap the seed cells from their stored predictions and test SDAG's gain.

    Args:
        records (Sequence[dict]): Records of the seed cells.
        cell_dirs (Sequence[str]): Folders holding their predictions files.
        rows (dict[str, str]): Guided row -> plain row.
        draws (int): Resamples of the test images. Defaults to 1000.
        seed (int): Resampling seed (images and seeds). Defaults to 0.
        metric (str): Canonical metric. Defaults to 'AP50'.

    Returns:
        tuple: :func:`seed_significance` frame, its markdown section, notes.
    """
    from .intervals import compute_draws
    cells, notes = compute_draws(records, cell_dirs, draws, seed)
    table = seed_significance(cells, rows, metric, seed)
    text = (f'Is SDAG\'s gain significant? Δ{metric} = mean over training seeds of (SDAG − '
            f'plain); 95 % bootstrap intervals over the test images only and over seeds + test '
            f'images ({draws} resamples, seed {seed}); {SIGNIFICANT}: p < {ALPHA} for seeds + '
            'test images.\n\n' + format_seed_significance(table, metric))
    return table, text, notes


__all__: Sequence[str] = ('seed_significance', 'format_seed_significance',
                          'seed_significance_report')
