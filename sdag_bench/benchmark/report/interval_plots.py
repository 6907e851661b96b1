"""Plots with bootstrap intervals: AP50 per row, quality vs AP50 with Kendall tau."""
import math
from typing import Optional

import numpy as np
import pandas as pd
# a Figure without pyplot draws with Agg and leaves the process's backend alone
from matplotlib.figure import Figure

from sdag_bench.metrics.metric_info import METRIC_INFO
from ..cells import BoundRows

from .interval_tables import QUALITY_SIGN, SIGNIFICANT, ALPHA  # noqa: E402

_COLUMN = {m: METRIC_INFO[m].label for m in ('niqe', 'psnr', 'ssim')}


def _errors(frame: pd.DataFrame, column: str) -> Optional[np.ndarray]:
    """(2, n) distances from the value to the interval ends, None without interval columns."""
    if f'{column}_lo' not in frame:
        return None
    low = (frame[column] - frame[f'{column}_lo']).to_numpy(float)
    high = (frame[f'{column}_hi'] - frame[column]).to_numpy(float)
    return np.nan_to_num(np.clip(np.vstack([low, high]), 0, None))


def plot_ap_intervals(table: pd.DataFrame, path: str, ap: str = 'AP50') -> Optional[str]:
    """One horizontal bar per row (per dataset/detector panel): AP with its 95 % interval;
    a row whose paired difference to ``identity`` is significant is marked ``*``.

    Returns:
        str | None: The written path, or None without interval columns.
    """
    if table.empty or f'{ap}_lo' not in table:
        return None
    groups = list(table.groupby(['dataset', 'detector'], sort=True))
    fig = Figure(figsize=(6 * len(groups), 0.35 * len(table) / len(groups) + 1.5))
    axes = fig.subplots(1, len(groups), squeeze=False)
    for ax, ((dataset, detector), group) in zip(axes[0], groups):
        group = group[np.isfinite(group[ap].to_numpy(float))].iloc[::-1]
        y = np.arange(len(group))
        ax.errorbar(group[ap], y, xerr=_errors(group, ap), fmt='o', capsize=3,
                    color='tab:blue', ecolor='tab:gray')
        p_col = f'p(Δ{ap})'
        labels = [name + (f' {SIGNIFICANT}' if p_col in group and not math.isnan(p) and
                          p < ALPHA else '')
                  for name, p in zip(group.enhancer, group[p_col] if p_col in group
                                     else [math.nan] * len(group))]
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_xlabel(f'{ap} (95 % bootstrap interval)')
        ax.set_title(f'{dataset} / {detector}', fontsize=9)
        ax.grid(alpha=0.3, axis='x')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def plot_quality_vs_ap(table: pd.DataFrame, agreement: pd.DataFrame, path: str,
                       ap: str = 'AP50', bounds: BoundRows = BoundRows()) -> Optional[str]:
    """Quality metric against AP, both with error bars, one panel per (dataset/detector,
    quality metric), titled with Kendall tau and its interval; without the upper bounds of
    ``bounds`` (references, not enhancers: the tau leaves them out too).

    Returns:
        str | None: The written path, or None when the agreement table is empty.
    """
    if not agreement.empty:  # image quality only (the label-free scores have no column)
        agreement = agreement[agreement.quality.isin(_COLUMN)]
    if agreement.empty:
        return None
    fig = Figure(figsize=(4.2 * len(agreement), 3.8))
    axes = fig.subplots(1, len(agreement), squeeze=False)
    for ax, line in zip(axes[0], agreement.itertuples(index=False)):
        column = _COLUMN[line.quality]
        rows = table[(table.dataset == line.dataset) & (table.detector == line.detector)
                     & np.isfinite(table.get(column, pd.Series(dtype=float)).to_numpy(float))
                     & ~table.enhancer.isin(bounds.upper)]
        ax.errorbar(rows[column], rows[ap], xerr=_errors(rows, column),
                    yerr=_errors(rows, ap), fmt='o', capsize=2, ecolor='tab:gray')
        for _, row in rows.iterrows():
            ax.annotate(row.enhancer, (row[column], row[ap]), fontsize=6, xytext=(3, 2),
                        textcoords='offset points')
        better = 'lower' if QUALITY_SIGN[line.quality] < 0 else 'higher'
        ax.set_xlabel(f'{column} ({better} is better)')
        ax.set_ylabel(ap)
        ax.set_title(f'{line.dataset}/{line.detector}: τ = {line.tau:+.2f} '
                     f'[{line.low:+.2f}, {line.high:+.2f}]', fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def draw_row_intervals(ax, row, x: str, y: str, colour: str) -> None:
    """Error bars of one leaderboard row on a scatter (nothing without interval columns).

    Args:
        ax: Matplotlib axes.
        row (pd.Series): A leaderboard row (``<col>_lo`` / ``<col>_hi`` when bootstrapped).
        x (str): Column on the x axis.
        y (str): Column on the y axis.
        colour (str): Colour of the point.
    """
    def error(column: str):
        low, high = row.get(f'{column}_lo', math.nan), row.get(f'{column}_hi', math.nan)
        if not (np.isfinite(low) and np.isfinite(high)):
            return None
        return [[max(row[column] - low, 0.0)], [max(high - row[column], 0.0)]]

    xerr, yerr = error(x), error(y)
    if xerr is not None or yerr is not None:
        ax.errorbar(row[x], row[y], xerr=xerr, yerr=yerr, fmt='none', ecolor=colour,
                    alpha=0.5, capsize=2, zorder=2)
