"""Interval columns, significance marks and the quality-vs-recognition agreement table.

Columns added to a leaderboard frame (numbers, in the CSV): ``<col>_lo`` / ``<col>_hi`` (95 %
bootstrap interval of AP50, NIQE, PSNR, SSIM), ``ΔAP50_lo`` / ``ΔAP50_hi`` / ``p(ΔAP50)`` (paired
against the ``identity`` row) and, for a row with a ``base`` (``*_sdag``), ``Δbase`` / its
interval / ``p(Δbase)`` (paired against the plain row). :func:`merge_intervals` folds them into
``0.323 [0.290, 0.360]`` strings and a ``*`` after a significant difference for markdown and LaTeX.
"""
import math
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from sdag_bench.metrics.metric_info import lower_better, metric_info
from sdag_bench.stats import kendall_tau, kendall_tau_draws, percentile_interval
from sdag_bench.stats.paired import paired_difference
from ..cells import BoundRows
from .intervals import INTERVAL_COLUMNS, CellDraws, compare_rows

#: Significance level of the marks.
ALPHA = 0.05
SIGNIFICANT = '*'


def _is_nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def add_interval_columns(table: pd.DataFrame, cells: Dict[Tuple[str, str, str], CellDraws],
                         primary: str = 'AP50', level: float = 0.95,
                         bounds: BoundRows = BoundRows()) -> pd.DataFrame:
    """Add interval and paired-test columns to a leaderboard frame.

    Args:
        table (pd.DataFrame): From ``leaderboard.leaderboard`` (``enhancer``, ``base``,
            ``dataset``, ``detector`` and metric columns).
        cells (dict): (enhancer, dataset, detector) -> :class:`CellDraws`.
        primary (str): Column whose difference is tested. Defaults to 'AP50'.
        level (float): Interval coverage. Defaults to 0.95.
        bounds (BoundRows): The benchmark's bound rows; differences are against the lower.

    Returns:
        pd.DataFrame: A copy with the columns described in the module docstring (absent when
        no row has draws for them).
    """
    table = table.copy()
    if table.empty or not cells:
        return table
    metric = INTERVAL_COLUMNS.get(primary, primary)
    new: Dict[str, List[float]] = {}

    def put(column: str, index: int, value: float) -> None:
        new.setdefault(column, [math.nan] * len(table))[index] = value

    for index, row in enumerate(table.itertuples(index=False)):
        key = (row.enhancer, row.dataset, row.detector)
        own = cells.get(key)
        if own is None:
            continue
        for column, name in INTERVAL_COLUMNS.items():
            if column in table.columns and name in own.draws:
                low, high = percentile_interval(own.draws[name], level)
                put(f'{column}_lo', index, low)
                put(f'{column}_hi', index, high)
        identity = cells.get((bounds.lower, row.dataset, row.detector))
        if identity is not None and row.enhancer != bounds.lower:
            diff = compare_rows(own, identity, metric, level)
            if diff:
                put(f'Δ{primary}_lo', index, diff['low'])
                put(f'Δ{primary}_hi', index, diff['high'])
                put(f'p(Δ{primary})', index, diff['p'])
        base = getattr(row, 'base', '') or ''
        plain = cells.get((base, row.dataset, row.detector)) if base else None
        if plain is not None:
            diff = compare_rows(own, plain, metric, level)
            if diff:
                put('Δbase', index, diff['delta'])
                put('Δbase_lo', index, diff['low'])
                put('Δbase_hi', index, diff['high'])
                put('p(Δbase)', index, diff['p'])
    for column, values in new.items():
        table[column] = values
    return table


def merge_intervals(table: pd.DataFrame, fmt) -> pd.DataFrame:
    """Fold ``<col>_lo/_hi`` and ``p(<col>)`` columns into display strings.

    Args:
        table (pd.DataFrame): With columns from :func:`add_interval_columns`.
        fmt (Callable[[float, str], str]): The leaderboard's number format (value, column).

    Returns:
        pd.DataFrame: ``<col>`` as ``'0.323 [0.290, 0.360]'``, a difference column as
        ``'+0.012* [0.003, 0.021]'`` (``*``: p < 0.05), interval and p-value columns dropped;
        rows without an interval keep their plain value. A table without interval columns is
        returned as is.
    """
    extra = [c for c in table.columns if c.endswith(('_lo', '_hi')) or c.startswith('p(')]
    if not extra:
        return table
    shown = table.copy()
    for column in list(shown.columns):
        if f'{column}_lo' not in shown.columns:
            continue
        p_col = f'p({column})'
        texts = []
        for _, row in shown.iterrows():
            value, low, high = row[column], row[f'{column}_lo'], row[f'{column}_hi']
            text = fmt(value, column)
            if p_col in shown.columns and not _is_nan(row[p_col]) and row[p_col] < ALPHA:
                text += SIGNIFICANT
            if not (_is_nan(low) or _is_nan(high)):
                text += f' [{fmt(low, column)}, {fmt(high, column)}]'
            texts.append(text)
        shown[column] = texts
    return shown.drop(columns=extra)


def interval_note(draws: int, seed: int, level: float = 0.95, primary: str = 'AP50',
                  bounds: BoundRows = BoundRows()) -> str:
    """The sentence under a leaderboard caption that says how to read the brackets."""
    return (f'[a, b]: {level:.0%} bootstrap interval over the test images ({draws} resamples, '
            f'seed {seed}); {SIGNIFICANT}: the paired bootstrap difference (same resampled '
            f'images) is significant at p < {ALPHA} — Δ{primary} against `{bounds.lower}`, '
            'Δbase of a `*_sdag` row against its plain row.')


def intervals_long(cells: Dict[Tuple[str, str, str], CellDraws],
                   level: float = 0.95) -> pd.DataFrame:
    """Every bootstrapped metric of every cell (AP50, AP50/<class>, quality) as rows:
    ``enhancer, dataset, detector, metric, value, low, high, draws``."""
    rows = []
    for (enhancer, dataset, detector), own in sorted(cells.items()):
        for name in own.draws:
            low, high = percentile_interval(own.draws[name], level)
            rows.append(dict(enhancer=enhancer, dataset=dataset, detector=detector, metric=name,
                             value=own.points[name], low=low, high=high,
                             draws=int(np.isfinite(own.draws[name]).sum())))
    return pd.DataFrame(rows)


#: Quality metric -> sign making "better quality" larger (NIQE: lower is better).
QUALITY_SIGN = {name: -1.0 if lower_better(name) else 1.0 for name in ('niqe', 'psnr', 'ssim')}


#: Label-free detector scores (``intervals.cell_draws``, from the stored predictions) -> sign.
LABEL_FREE_SIGN = {name: -1.0 if lower_better(name) else 1.0
                   for name in ('confident_per_image', 'top_confidence')}


def _tau_line(x_rows: List[CellDraws], y_rows: List[CellDraws], x: str, y: str, sign: float,
              level: float) -> Dict[str, float]:
    """Kendall tau of ``sign * x`` against ``y`` over paired rows, its interval and p-value."""
    tau = kendall_tau([sign * c.points[x] for c in x_rows], [c.points[y] for c in y_rows])
    taus = kendall_tau_draws(sign * np.stack([c.draws[x] for c in x_rows], 1),
                             np.stack([c.draws[y] for c in y_rows], 1))
    low, high = percentile_interval(taus, level)
    test = paired_difference(taus, np.zeros_like(taus), tau, 0.0, level)
    return dict(rows=len(x_rows), tau=tau, low=low, high=high, p=test['p'])


def agreement_table(cells: Dict[Tuple[str, str, str], CellDraws], metric: str = 'AP50',
                    level: float = 0.95, bounds: BoundRows = BoundRows(),
                    predictors: Optional[Dict[str, float]] = None) -> pd.DataFrame:
    """Kendall tau between each predictor (a quality metric, a label-free detector score) and
    ``metric`` across enhancers.

    Per (dataset, detector) and predictor: tau-b over the rows having both (the upper bounds
    of ``bounds``, the references themselves, left out), oriented so that +1 means
    "better predictor, higher AP" (NIQE negated); its bootstrap interval and p-value come from
    the rows' values on the same resampled images.

    Args:
        predictors (dict, optional): Canonical name -> sign; defaults to the quality metrics
            (:data:`QUALITY_SIGN`) and the label-free scores (:data:`LABEL_FREE_SIGN`).

    Returns:
        pd.DataFrame: ``dataset, detector, quality, rows, tau, low, high, p``.
    """
    predictors = predictors or {**QUALITY_SIGN, **LABEL_FREE_SIGN}
    groups: Dict[Tuple[str, str], List[CellDraws]] = {}
    for (enhancer, dataset, detector), own in sorted(cells.items()):
        if enhancer not in bounds.upper:
            groups.setdefault((dataset, detector), []).append(own)
    lines = []
    for (dataset, detector), members in groups.items():
        for quality, sign in predictors.items():
            rows = [c for c in members if quality in c.draws and metric in c.draws
                    and math.isfinite(c.points[quality])]
            if len(rows) < 3 or len({c.img_ids for c in rows}) != 1:
                continue
            lines.append(dict(dataset=dataset, detector=detector, quality=quality,
                              **_tau_line(rows, rows, quality, metric, sign, level)))
    return pd.DataFrame(lines)


def detector_agreement_table(cells: Dict[Tuple[str, str, str], CellDraws],
                             metric: str = 'AP50', level: float = 0.95,
                             bounds: BoundRows = BoundRows()) -> pd.DataFrame:
    """Does a ranking transfer between detectors? Kendall tau between two detectors' ``metric``
    across the enhancers both judged on the same images (the upper bounds of ``bounds`` left
    out), with interval and p-value from the same resamples.

    Returns:
        pd.DataFrame: ``dataset, detector_a, detector_b, rows, tau, low, high, p``.
    """
    by_group: Dict[Tuple[str, str], Dict[str, CellDraws]] = {}
    for (enhancer, dataset, detector), own in sorted(cells.items()):
        if enhancer not in bounds.upper and metric in own.draws:
            by_group.setdefault((dataset, detector), {})[enhancer] = own
    lines = []
    for (dataset, a), rows_a in by_group.items():
        for (other_dataset, b), rows_b in by_group.items():
            if other_dataset != dataset or b <= a:
                continue
            common = sorted(e for e in set(rows_a) & set(rows_b)
                            if rows_a[e].img_ids == rows_b[e].img_ids)
            if len(common) < 3:
                continue
            lines.append(dict(dataset=dataset, detector_a=a, detector_b=b,
                              **_tau_line([rows_a[e] for e in common],
                                          [rows_b[e] for e in common], metric, metric, 1.0,
                                          level)))
    return pd.DataFrame(lines)


def _tau_cells(table: pd.DataFrame) -> list:
    """``τ[*] [low, high]`` per line of an agreement table (``*``: p < ALPHA)."""
    return [f'{t:+.2f}{SIGNIFICANT if p < ALPHA else ""} [{lo:+.2f}, {hi:+.2f}]'
            for t, lo, hi, p in zip(table.tau, table.low, table.high, table.p)]


def format_detector_agreement(table: pd.DataFrame, metric: str = 'AP50') -> str:
    """Markdown of :func:`detector_agreement_table`."""
    shown = pd.DataFrame({
        'dataset': table.dataset, 'detectors': [f'{a} vs {b}' for a, b in
                                                zip(table.detector_a, table.detector_b)],
        'rows': table.rows,
        f'Kendall τ of the {metric} rankings': _tau_cells(table),
        'p': [f'{p:.3f}' for p in table.p],
    })
    return shown.to_markdown(index=False, disable_numparse=True) + '\n'


def format_agreement(table: pd.DataFrame, metric: str = 'AP50') -> str:
    """Markdown of :func:`agreement_table`."""
    if table.empty:
        return '(no dataset with three or more rows that have quality and AP draws)\n'
    shown = pd.DataFrame({
        'dataset': table.dataset, 'detector': table.detector,
        'quality': [metric_info(q).label + (' (negated)' if lower_better(q) else '')
                    for q in table.quality],
        'rows': table.rows,
        f'Kendall τ with {metric}': _tau_cells(table),
        'p': [f'{p:.3f}' for p in table.p],
    })
    return shown.to_markdown(index=False, disable_numparse=True) + '\n'
