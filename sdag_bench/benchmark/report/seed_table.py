"""The seed study's table: guided vs plain rows over training seeds.

:func:`summarize_seeds` pairs every guided row with its ``base_method`` (seed cells from
``plan/seed_cells.py``) and reports mean ± sample standard deviation over seeds and how many
seeds the guidance won.
"""
import math
from typing import Dict, Sequence, Tuple

import pandas as pd

from ..plan.seed_cells import seed_of


def summarize_seeds(records: Sequence[dict], rows: Dict[str, str],
                    metric: str = 'AP50') -> pd.DataFrame:
    """Guided vs plain over training seeds.

    Args:
        records (Sequence[dict]): Records of the seed cells (from :func:`plan_seed_cells`).
        rows (dict[str, str]): Guided row name -> its unguided row name.
        metric (str): Canonical metric to compare. Defaults to 'AP50'.

    Returns:
        pd.DataFrame: One line per (guided row, dataset, detector): the per-seed values
        ``plain``/``guided`` (lists, in seed order), their means and sample standard deviations,
        ``delta`` (mean difference) and ``wins`` ('k/n': seeds where guided > plain).
    """
    values: Dict[Tuple[str, str, str], Dict[int, float]] = {}
    for record in records:
        cell = record['cell']
        name = cell['enhancer']['name']
        for row in set(rows) | set(rows.values()):
            seed = seed_of(name, row)
            if seed >= 0:
                values.setdefault((row, cell['dataset']['name'], cell['detector']['name']),
                                  {})[seed] = record['metrics'].get(metric, math.nan)
    lines = []
    for guided, plain in sorted(rows.items()):
        for (row, dataset, detector), by_seed in sorted(values.items()):
            if row != guided:
                continue
            plain_seeds = values.get((plain, dataset, detector), {})
            seeds = sorted(set(by_seed) & set(plain_seeds))
            if not seeds:
                continue
            g = pd.Series([by_seed[s] for s in seeds])
            p = pd.Series([plain_seeds[s] for s in seeds])
            lines.append(dict(
                method=plain, guided=guided, dataset=dataset, detector=detector,
                seeds=len(seeds), plain=[round(v, 4) for v in p], guided_per_seed=[
                    round(v, 4) for v in g],
                plain_mean=p.mean(), plain_std=p.std(ddof=1) if len(seeds) > 1 else math.nan,
                guided_mean=g.mean(), guided_std=g.std(ddof=1) if len(seeds) > 1 else math.nan,
                delta=(g - p).mean(), wins=f'{int((g > p).sum())}/{len(seeds)}'))
    return pd.DataFrame(lines)


def format_seed_table(summary: pd.DataFrame, metric_name: str = 'AP50') -> str:
    """Markdown: method, seeds, plain and guided mean ± std, Δ, wins, per-seed values."""
    if summary.empty:
        return '(no seed results)\n'

    def pm(mean: float, std: float) -> str:
        return f'{mean:.3f}' if math.isnan(std) else f'{mean:.3f} ± {std:.3f}'

    shown = pd.DataFrame({
        'method': summary.method,
        'detector': summary.detector,
        'seeds': summary.seeds,
        f'plain {metric_name}': [pm(m, s) for m, s in zip(summary.plain_mean, summary.plain_std)],
        f'SDAG {metric_name}': [
            pm(m, s) for m, s in zip(summary.guided_mean, summary.guided_std)],
        'Δ': [f'{d:+.3f}' for d in summary.delta],
        'SDAG wins': summary.wins,
        'plain per seed': [', '.join(f'{v:.3f}' for v in vals) for vals in summary.plain],
        'SDAG per seed': [', '.join(f'{v:.3f}' for v in vals)
                          for vals in summary.guided_per_seed],
    })
    return shown.to_markdown(index=False, disable_numparse=True) + '\n'
