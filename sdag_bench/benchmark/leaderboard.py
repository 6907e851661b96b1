"""Leaderboards from stored cells: markdown, CSV and LaTeX via pandas."""
import math
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence

import pandas as pd

#: Column name -> (metric key in a record, direction). 'higher' sorts descending.
DEFAULT_COLUMNS: Dict[str, tuple] = {
    'AP50': ('voc/AP50', 'higher'),
    'mAP': ('coco/bbox_mAP', 'higher'),
    'NIQE': ('quality/niqe', 'lower'),
    'PSNR': ('quality/psnr', 'higher'),
    'SSIM': ('quality/ssim', 'higher'),
    # unlabelled photos: confident detections (ConfidentDetectionCount)
    'faces': ('faces/count', 'higher'),
    'faces/img': ('faces/per_image', 'higher'),
    'params': ('cost/params', 'lower'),
    'GFLOPs': ('cost/gflops', 'lower'),
    'ms/img': ('cost/ms_per_image', 'lower'),
}
#: Rows with these roles are bounds, shown but not ranked among methods.
LOWER_BOUND = 'identity'
UPPER_BOUND = 'normal_light'


def records_to_frame(records: Iterable[dict],
                     columns: Optional[Dict[str, tuple]] = None) -> pd.DataFrame:
    """One row per (enhancer, dataset, detector) with the chosen metric columns.

    Args:
        records (Iterable[dict]): Cell records from :class:`ResultStore`.
        columns (dict, optional): Column spec; defaults to :data:`DEFAULT_COLUMNS`.

    Returns:
        pd.DataFrame: Columns ``enhancer, label, base, dataset, detector`` + metric columns
        (absent metrics are dropped when no row has them).
    """
    columns = columns or DEFAULT_COLUMNS
    rows = []
    for record in records:
        cell = record['cell']
        row = dict(enhancer=cell['enhancer']['name'],
                   label=cell['enhancer'].get('label') or '',
                   base=cell['enhancer'].get('base') or '',
                   dataset=cell['dataset']['name'], detector=cell['detector']['name'],
                   images=record.get('num_images'),
                   nonfinite=record.get('nonfinite_images', 0))
        for col, (key, _) in columns.items():
            row[col] = record['metrics'].get(key, math.nan)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    empty = [c for c in columns if c in frame and frame[c].isna().all()]
    return frame.drop(columns=empty)


def leaderboard(frame: pd.DataFrame, sort_by: str = 'AP50',
                columns: Optional[Dict[str, tuple]] = None) -> pd.DataFrame:
    """Sort by the primary metric and add its difference to no enhancement.

    Within each (dataset, detector) group: methods sorted by ``sort_by`` (direction-aware),
    the upper bound first and the lower bound (``identity``) last among bounds, ``Δ<metric>``
    = metric - the identity row's metric.

    Args:
        frame (pd.DataFrame): From :func:`records_to_frame`.
        sort_by (str): Primary column. Defaults to 'AP50'.
        columns (dict, optional): Column spec (for directions).

    Returns:
        pd.DataFrame: The sorted table.
    """
    if frame.empty:
        return frame
    columns = columns or DEFAULT_COLUMNS
    ascending = columns.get(sort_by, (None, 'higher'))[1] == 'lower'
    parts: List[pd.DataFrame] = []
    for _, group in frame.groupby(['dataset', 'detector'], sort=True):
        group = group.copy()
        base = group.loc[group.enhancer == LOWER_BOUND, sort_by]
        group[f'Δ{sort_by}'] = group[sort_by] - (base.iloc[0] if len(base) else math.nan)
        role = group.enhancer.map({UPPER_BOUND: 0, LOWER_BOUND: 2}).fillna(1)
        group = group.assign(_role=role).sort_values(['_role', sort_by],
                                                     ascending=[True, ascending])
        parts.append(group.drop(columns='_role'))
    return pd.concat(parts, ignore_index=True)


def _fmt(value, column: str) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '–'
    if column == 'params':
        return f'{int(value):,}'
    if column.startswith('Δ'):
        return f'{value:+.3f}'
    if column in ('NIQE', 'PSNR', 'ms/img', 'GFLOPs'):
        return f'{value:.2f}'
    if isinstance(value, float):
        return f'{value:.3f}'
    return str(value)


def format_table(table: pd.DataFrame) -> pd.DataFrame:
    """String-format every cell for display."""
    shown = table.copy()
    for col in shown.columns:
        shown[col] = [_fmt(v, col) for v in shown[col]]
    return shown


def write_leaderboard(table: pd.DataFrame, out_dir: str, name: str = 'leaderboard',
                      caption: str = '') -> List[str]:
    """Write ``<name>.md``, ``.csv`` (raw numbers) and ``.tex`` into ``out_dir``.

    Returns:
        list[str]: The written paths.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = [osp.join(out_dir, f'{name}.{ext}') for ext in ('md', 'csv', 'tex')]
    table.to_csv(paths[1], index=False)
    shown = format_table(table)
    with open(paths[0], 'w') as f:
        if caption:
            f.write(f'{caption}\n\n')
        f.write(shown.to_markdown(index=False, disable_numparse=True))
        f.write('\n')
    with open(paths[2], 'w') as f:
        f.write(shown.to_latex(index=False, caption=caption or None, escape=True))
    return paths


def select_columns(table: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    return table[[c for c in wanted if c in table.columns]]
