"""The paper-style leaderboard of a benchmark with several detectors on one dataset.

The long leaderboard (``leaderboard.leaderboard``) has one row per (enhancer, dataset, detector):
with two detectors every enhancer appears twice and the columns that do not depend on the
detector (NIQE, cost) repeat. This table has one row per (dataset, enhancer), a column group per
detector (the primary metric with its interval, its difference to no enhancement and, for a
guided row, to its plain row), then the columns that belong to the enhancer alone: the image
quality of its outputs and its cost. Numbers stay numbers (``<detector> AP50``,
``<detector> AP50_lo``, ...), so the CSV is raw and :func:`merge_intervals` formats the rest.
"""
import math
import os
import os.path as osp
from typing import List, Sequence

import pandas as pd

from sdag_bench.metrics.metric_info import METRIC_INFO
from ..cells import BoundRows
from .interval_tables import merge_intervals

#: Per-detector columns (with their ``_lo``/``_hi``/``p(...)`` companions), in display order.
DETECTOR_METRICS = ('{primary}', 'Δ{primary}', 'Δbase', 'mAP')
#: Columns of the enhancer alone, shown once after the detector groups.
ENHANCER_METRICS = tuple(METRIC_INFO[name].label for name in (
    'niqe', 'psnr', 'ssim', 'cost/params', 'cost/gflops', 'cost/ms_per_image'))
#: Separator between a detector's name and its metric in a column title.
SEPARATOR = ' · '


def detector_column(detector: str, metric: str) -> str:
    """Title of one detector's metric column, e.g. ``yolox_nano · AP50``."""
    return f'{detector}{SEPARATOR}{metric}'


def metric_of(column: str) -> str:
    """The metric a column shows (``yolox_nano · ΔAP50`` -> ``ΔAP50``)."""
    return column.split(SEPARATOR, 1)[-1]


def _companions(table: pd.DataFrame, column: str) -> List[str]:
    """A column and its interval / p-value columns present in ``table``."""
    return [c for c in (column, f'{column}_lo', f'{column}_hi', f'p({column})')
            if c in table.columns]


def _renamed(column: str, detector: str) -> str:
    """Prefix a metric (or interval / p-value) column with its detector."""
    if column.startswith('p(') and column.endswith(')'):
        return f'p({detector_column(detector, column[2:-1])})'
    return detector_column(detector, column)


def wants_detector_columns(table: pd.DataFrame) -> bool:
    """Whether some dataset of a long leaderboard frame has two or more detectors."""
    if table.empty or 'detector' not in table:
        return False
    return bool((table.groupby('dataset').detector.nunique() > 1).any())


def detector_columns_table(table: pd.DataFrame, primary: str = 'AP50',
                           bounds: BoundRows = BoundRows()) -> pd.DataFrame:
    """Reshape a long leaderboard frame into one row per (dataset, enhancer).

    Args:
        table (pd.DataFrame): From ``leaderboard.leaderboard`` (with interval columns when the
            bootstrap ran).
        primary (str): The ranking metric. Defaults to 'AP50'.
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

    Returns:
        pd.DataFrame: ``dataset, enhancer, label`` + per detector (in name order) its
        ``<detector> · <metric>`` columns + the enhancer's own columns, sorted per dataset with
        the upper bound first, methods by the mean of the primary metric over the detectors,
        and no enhancement last. An enhancer's own column holds the value of its first detector
        (NIQE, cost do not depend on the detector: the same enhanced images).
    """
    if table.empty:
        return table
    metrics = [m.format(primary=primary) for m in DETECTOR_METRICS]
    parts = []
    for dataset, group in table.groupby('dataset', sort=True):
        detectors = sorted(group.detector.unique())
        rows = group.drop_duplicates('enhancer')[['enhancer', 'label']].set_index('enhancer')
        wide = rows.copy()
        for detector in detectors:
            own = group[group.detector == detector].set_index('enhancer')
            for metric in metrics:
                for column in _companions(own, metric):
                    wide[_renamed(column, detector)] = own[column]
        for metric in ENHANCER_METRICS:
            for column in _companions(group, metric):
                wide[column] = group.drop_duplicates('enhancer').set_index('enhancer')[column]
        primaries = [detector_column(d, primary) for d in detectors
                     if detector_column(d, primary) in wide]
        mean = wide[primaries].mean(axis=1, skipna=False) if primaries else math.nan
        role = pd.Series([bounds.role(e) for e in wide.index], index=wide.index)
        wide = wide.assign(_role=role, _mean=mean).sort_values(
            ['_role', '_mean'], ascending=[True, False], na_position='last')
        wide = wide.drop(columns=['_role', '_mean']).reset_index()
        wide.insert(0, 'dataset', dataset)
        parts.append(wide.dropna(axis=1, how='all'))
    return pd.concat(parts, ignore_index=True)


def format_detector_columns(wide: pd.DataFrame, fmt) -> pd.DataFrame:
    """Display strings: intervals folded in, every number formatted by its metric.

    Args:
        wide (pd.DataFrame): From :func:`detector_columns_table`.
        fmt (Callable[[object, str], str]): The leaderboard's number format (value, column).

    Returns:
        pd.DataFrame: Strings only; the interval and p-value columns folded away.
    """
    merged = merge_intervals(wide, lambda value, column: fmt(value, metric_of(column)))
    shown = merged.copy()
    for column in shown.columns:
        shown[column] = [v if isinstance(v, str) else fmt(v, metric_of(column))
                         for v in shown[column]]
    return shown


def detector_groups(columns: Sequence[str]) -> List[tuple]:
    """Two-level titles (detector or '', metric) for a LaTeX/HTML header with column groups."""
    return [tuple(c.split(SEPARATOR, 1)) if SEPARATOR in c else ('', c) for c in columns]


def write_detector_columns(table: pd.DataFrame, out_dir: str, fmt, caption: str = '',
                           protocol: Sequence[str] = (), primary: str = 'AP50',
                           name: str = 'leaderboard',
                           bounds: BoundRows = BoundRows()) -> List[str]:
    """Write the paper-style table as ``<name>.md`` (one section per dataset), ``.csv`` (raw
    numbers, every dataset) and ``.tex`` (detector names as column groups).

    Args:
        table (pd.DataFrame): The long leaderboard frame (with interval columns if computed).
        out_dir (str): Output folder.
        fmt (Callable[[object, str], str]): The leaderboard's number format.
        caption (str): Text above the tables.
        protocol (Sequence[str]): Protocol lines (``leaderboard.protocol_lines``).
        primary (str): The ranking metric. Defaults to 'AP50'.
        name (str): File stem. Defaults to 'leaderboard'.
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

    Returns:
        list[str]: The written paths (md, csv, tex).
    """
    os.makedirs(out_dir, exist_ok=True)
    wide = detector_columns_table(table, primary, bounds)
    paths = [osp.join(out_dir, f'{name}.{ext}') for ext in ('md', 'csv', 'tex')]
    wide.to_csv(paths[1], index=False)
    md, tex = [], [f'% protocol: {line}\n' for line in protocol]
    if caption:
        md.append(f'{caption}\n\n')
    if protocol:
        md.append('Protocol:\n\n' + ''.join(f'- {line}\n' for line in protocol) + '\n')
    for dataset, part in wide.groupby('dataset', sort=False):
        shown = format_detector_columns(part.dropna(axis=1, how='all'), fmt).drop(
            columns='dataset')
        md.append(f'**{dataset}** (a column group per detector: {primary} [95 % interval], '
                  f'Δ{primary} against no enhancement)\n\n')
        md.append(shown.to_markdown(index=False, disable_numparse=True) + '\n\n')
        grouped = shown.copy()
        grouped.columns = pd.MultiIndex.from_tuples(detector_groups(shown.columns))
        tex.append(grouped.to_latex(index=False, caption=f'{caption} ({dataset})'.strip(),
                                    escape=True, multicolumn=True,
                                    multicolumn_format='c'))
    with open(paths[0], 'w') as f:
        f.write(''.join(md))
    with open(paths[2], 'w') as f:
        f.write(''.join(tex))
    return paths
