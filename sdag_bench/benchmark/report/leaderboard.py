"""Leaderboards from stored cells: markdown, CSV and LaTeX via pandas."""
import math
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional

import pandas as pd

from sdag_bench.metrics.metric_info import METRIC_INFO
from ..cells import BoundRows
from .interval_tables import merge_intervals
from ..run.enhanced_folder import incomplete_note

#: Canonical metrics shown by default, in column order (titles and directions from METRIC_INFO).
DEFAULT_METRICS = ('AP50', 'mAP', 'niqe', 'psnr', 'ssim', 'detections', 'detections_per_image',
                   'faces', 'faces_per_image',
                   'cost/params', 'cost/gflops', 'cost/ms_per_image')
#: Column title -> (canonical metric key in a record, direction). 'higher' sorts descending.
DEFAULT_COLUMNS: Dict[str, tuple] = {
    METRIC_INFO[name].label: (name, METRIC_INFO[name].direction) for name in DEFAULT_METRICS}
#: Columns shown with two decimals (values of several units or tens).
_TWO_DECIMALS = {METRIC_INFO[m].label for m in ('niqe', 'psnr', 'cost/ms_per_image',
                                                'cost/gflops')}
#: Protocol fields of a cell (``record['protocol']``) carried as ``protocol.<field>`` columns:
#: values in the CSV, a header above the markdown and LaTeX tables.
PROTOCOL_FIELDS = ('enhanced_at', 'enhanced_image', 'detector_input', 'detector_weights',
                   'metric', 'split', 'ann_sha256')
PROTOCOL_PREFIX = 'protocol.'

#: Rows with these roles are bounds, shown but not ranked among methods.


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
        label_parts = [cell['enhancer'].get('label') or '', incomplete_note(record)]
        row = dict(enhancer=cell['enhancer']['name'],
                   label=' '.join(filter(None, label_parts)),
                   base=cell['enhancer'].get('base') or '',
                   dataset=cell['dataset']['name'], detector=cell['detector']['name'],
                   images=record.get('num_images'),
                   nonfinite=record.get('nonfinite_images', 0),
                   nonfinite_det=record.get('nonfinite_predictions', 0),
                   skipped=record.get('skipped_images', 0))
        for col, (key, _) in columns.items():
            row[col] = record['metrics'].get(key, math.nan)
        protocol = record.get('protocol') or {}
        for name in PROTOCOL_FIELDS:
            row[PROTOCOL_PREFIX + name] = protocol.get(name)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    empty = [c for c in columns if c in frame and frame[c].isna().all()]
    return frame.drop(columns=empty)


def leaderboard(frame: pd.DataFrame, sort_by: str = 'AP50',
                columns: Optional[Dict[str, tuple]] = None,
                bounds: BoundRows = BoundRows()) -> pd.DataFrame:
    """Sort by the primary metric and add its difference to no enhancement.

    Within each (dataset, detector) group: methods sorted by ``sort_by`` (direction-aware),
    the upper bound first and the lower bound (``identity``) last among bounds, ``Δ<metric>``
    = metric - the lower bound's metric.

    Args:
        frame (pd.DataFrame): From :func:`records_to_frame`.
        sort_by (str): Primary column. Defaults to 'AP50'.
        columns (dict, optional): Column spec (for directions).
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

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
        base = group.loc[group.enhancer == bounds.lower, sort_by]
        group[f'Δ{sort_by}'] = group[sort_by] - (base.iloc[0] if len(base) else math.nan)
        role = group.enhancer.map(bounds.role)
        group = group.assign(_role=role).sort_values(['_role', sort_by],
                                                     ascending=[True, ascending])
        parts.append(group.drop(columns='_role'))
    return pd.concat(parts, ignore_index=True)


def format_value(value, column: str) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '–'
    if column == METRIC_INFO['cost/params'].label:
        return f'{int(value):,}'
    if column.startswith('Δ'):
        return f'{value:+.3f}'
    if column in _TWO_DECIMALS:
        return f'{value:.2f}'
    if isinstance(value, float):
        return f'{value:.3f}'
    return str(value)


def protocol_lines(table: pd.DataFrame) -> List[str]:
    """One line per (dataset, detector) saying what its numbers follow.

    Args:
        table (pd.DataFrame): From :func:`records_to_frame` / :func:`leaderboard`.

    Returns:
        list[str]: e.g. ``exdark / yolov3: enhanced at native size, uint8 (...); detector
        input Resize(scale=(608, 608), keep_ratio=True); frozen detector; AP50: VOC area, IoU
        0.5; split official test, annotations sha256 1a2b3c4d5e6f``. Rows of one group with
        different protocols get one line each.
    """
    fields = [PROTOCOL_PREFIX + f for f in PROTOCOL_FIELDS]
    if table.empty or not all(f in table for f in fields):
        return []
    lines = []
    for (dataset, detector), group in table.groupby(['dataset', 'detector'], sort=True):
        seen = []
        for _, row in group.iterrows():
            values = {f: row[PROTOCOL_PREFIX + f] for f in PROTOCOL_FIELDS}
            if all(v is None or (isinstance(v, float) and math.isnan(v))
                   for v in values.values()):
                continue  # a record from before protocols were stored
            if values in seen:
                continue
            seen.append(values)
            sha = values['ann_sha256']
            annotations = f', annotations sha256 {sha[:12]}' if isinstance(sha, str) else ''
            lines.append(
                f"{dataset} / {detector}: enhanced at {values['enhanced_at']} size, "
                f"{values['enhanced_image']}; detector input {values['detector_input']}; "
                f"{values['detector_weights']} detector; {values['metric']}; "
                f"split {values['split']}" + annotations)
    return lines


def format_table(table: pd.DataFrame) -> pd.DataFrame:
    """String-format every cell for display."""
    shown = table.copy()
    for col in shown.columns:
        shown[col] = [format_value(v, col) for v in shown[col]]
    return shown


def write_leaderboard(table: pd.DataFrame, out_dir: str, name: str = 'leaderboard',
                      caption: str = '') -> List[str]:
    """Write ``<name>.md``, ``.csv`` (raw numbers) and ``.tex`` into ``out_dir``.

    The protocol of the numbers (:func:`protocol_lines`) heads the markdown (a list under the
    caption) and the LaTeX file (comment lines); the CSV carries it as ``protocol.<field>``
    columns.

    Returns:
        list[str]: The written paths.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = [osp.join(out_dir, f'{name}.{ext}') for ext in ('md', 'csv', 'tex')]
    table.to_csv(paths[1], index=False)
    protocol = protocol_lines(table)
    # bootstrap interval columns (interval_tables.py), if any, shown as 'value [low, high]'
    shown = format_table(merge_intervals(table.drop(
        columns=[c for c in table.columns if c.startswith(PROTOCOL_PREFIX)]), format_value))
    with open(paths[0], 'w') as f:
        if caption:
            f.write(f'{caption}\n\n')
        if protocol:
            f.write('Protocol:\n\n' + ''.join(f'- {line}\n' for line in protocol) + '\n')
        f.write(shown.to_markdown(index=False, disable_numparse=True))
        f.write('\n')
    with open(paths[2], 'w') as f:
        f.write(''.join(f'% protocol: {line}\n' for line in protocol))
        f.write(shown.to_latex(index=False, caption=caption or None, escape=True))
    return paths
