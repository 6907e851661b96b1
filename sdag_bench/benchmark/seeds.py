"""Seed study: each trained row re-evaluated with the checkpoints of every training seed.

An enhancer config may list ``seed_checkpoints`` (one trained checkpoint per training seed; the
row's own ``checkpoint`` is one of them). :func:`plan_seed_cells` turns each into a cell named
``<row>_s<i>``; :func:`summarize_seeds` pairs every guided row with its ``base_method`` and
reports mean ± sample standard deviation over seeds and how many seeds the guidance won.
"""
import copy
import math
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import pandas as pd

from sdag_bench.utils.paths import resolve_project_path
from .cells import CellSpec, load_config


def plan_seed_cells(cells: Sequence[CellSpec]) -> Tuple[List[CellSpec], List[str]]:
    """The per-seed cells of every planned cell whose enhancer config has ``seed_checkpoints``.

    When the row's own checkpoint is the first seed's, that cell keeps the row's name (so the
    leaderboard cell is reused); the others are named ``<row>_s<i>``.

    Args:
        cells (Sequence[CellSpec]): Planned leaderboard cells.

    Returns:
        tuple[list[CellSpec], list[str]]: The cells, and notes on missing seed checkpoints.
    """
    seed_cells, notes = [], []
    for cell in cells:
        checkpoints = load_config(cell.enhancer.config).get('seed_checkpoints')
        if not checkpoints:
            continue
        for index, checkpoint in enumerate(checkpoints):
            path = resolve_project_path(checkpoint)
            if not osp.isfile(path):
                notes.append(f'{cell.enhancer.name}: seed checkpoint {path} not found (the '
                             f'header of {cell.enhancer.config} says what trains it)')
                continue
            if index == 0 and path == cell.enhancer.checkpoint:
                seed_cells.append(cell)
                continue
            enhancer = copy.copy(cell.enhancer)
            enhancer.name = f'{cell.enhancer.name}_s{index}'
            enhancer.checkpoint = path
            enhancer.base = f'{cell.enhancer.base}_s{index}' if cell.enhancer.base else None
            seed_cells.append(CellSpec(enhancer, cell.dataset, cell.detector))
    return seed_cells, notes


def _seed_of(name: str, row: str) -> int:
    suffix = name[len(row):]
    return int(suffix[2:]) if suffix.startswith('_s') else 0  # the bare row is seed 0


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
            if name == row or (name.startswith(row + '_s') and name[len(row) + 2:].isdigit()):
                seed = _seed_of(name, row)
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
