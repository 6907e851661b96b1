"""Paper-style tables from stored cells, without re-running anything.

(a) per-class AP of each ULLIE method without / with SDAG guidance, and the Δ row;
(b) AP on face data (DARK FACE style: one class); (c) visual quality; (d) efficiency.
"""
import math
from typing import Dict, List, Sequence

import pandas as pd

from sdag_bench.metrics.canonical import PER_CLASS_AP50
from sdag_bench.metrics.metric_info import METRIC_INFO
from ..cells import BoundRows


def _name_label(record: dict) -> str:
    enhancer = record['cell']['enhancer']
    return enhancer['name'] + (f" ({enhancer['label']})" if enhancer.get('label') else '')


def per_class_sdag_table(records: Sequence[dict], prefix: str = PER_CLASS_AP50,
                         overall: str = 'AP50',
                         bounds: BoundRows = BoundRows()) -> pd.DataFrame:
    """Rows: each method, its SDAG-guided variant and their Δ; columns: classes + mean.

    Guided rows are those whose enhancer record names a ``base`` (the unguided method). Bounds
    (no enhancement, normal-light references) are listed first for reference.

    Args:
        records (Sequence[dict]): Cell records of one dataset and detector.
        prefix (str): Per-class metric prefix (canonical). Defaults to 'AP50/'.
        overall (str): The mean metric (canonical). Defaults to 'AP50'.
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

    Returns:
        pd.DataFrame: Index = row names.
    """
    by_name = {r['cell']['enhancer']['name']: r for r in records}
    classes = sorted({k[len(prefix):] for r in records for k in r['metrics']
                      if k.startswith(prefix)})

    def row(record: dict) -> Dict[str, float]:
        values = {c: record['metrics'].get(prefix + c, math.nan) for c in classes}
        values['mean'] = record['metrics'].get(overall, math.nan)
        return values

    rows: Dict[str, Dict[str, float]] = {}
    for bound in (*bounds.upper, bounds.lower):
        if bound in by_name:
            rows[_name_label(by_name[bound])] = row(by_name[bound])
    guided = [r for r in records if r['cell']['enhancer'].get('base')]
    for record in sorted(guided, key=lambda r: r['cell']['enhancer']['name']):
        base = by_name.get(record['cell']['enhancer']['base'])
        if base is None:
            continue
        plain, with_sdag = row(base), row(record)
        rows[_name_label(base)] = plain
        rows[_name_label(record)] = with_sdag
        rows[f"Δ {record['cell']['enhancer']['name']}"] = {
            k: with_sdag[k] - plain[k] for k in plain}
    return pd.DataFrame.from_dict(rows, orient='index', columns=classes + ['mean'])


def metric_table(records: Sequence[dict], columns: Dict[str, str]) -> pd.DataFrame:
    """One row per enhancer with the given ``{column: canonical metric key}`` (first record
    wins).

    Returns:
        pd.DataFrame: Index = enhancer names; rows without any value are dropped.
    """
    rows: Dict[str, Dict[str, float]] = {}
    for record in records:
        name = _name_label(record)
        if name in rows:
            continue
        rows[name] = {col: record['metrics'].get(key, math.nan) for col, key in columns.items()}
    frame = pd.DataFrame.from_dict(rows, orient='index', columns=list(columns))
    return frame.dropna(how='all')


def paper_tables(records: Sequence[dict],
                 bounds: BoundRows = BoundRows()) -> Dict[str, pd.DataFrame]:
    """All paper-style tables for one benchmark's records, grouped by dataset and detector
    (the bound rows of ``bounds`` first in the per-class tables).

    Returns:
        dict[str, pd.DataFrame]: Table name -> table (empty tables left out).
    """
    groups: Dict[tuple, List[dict]] = {}
    for record in records:
        cell = record['cell']
        groups.setdefault((cell['dataset']['name'], cell['detector']['name']), []).append(record)
    tables: Dict[str, pd.DataFrame] = {}
    for (dataset, detector), group in sorted(groups.items()):
        tag = f'{dataset}__{detector}'
        classes = {k for r in group for k in r['metrics'] if k.startswith(PER_CLASS_AP50)}
        per_class = per_class_sdag_table(group, bounds=bounds)
        if len(classes) > 1 and not per_class.empty:
            tables[f'a_per_class_ap__{tag}'] = per_class
        elif len(classes) == 1:
            tables[f'b_single_class_ap__{tag}'] = metric_table(
                group, {'AP50': 'AP50', 'mAP': 'mAP'})
    quality = metric_table(records, {METRIC_INFO[m].label: m for m in ('niqe', 'psnr', 'ssim')})
    if not quality.empty:
        tables['c_visual_quality'] = quality
    cost = metric_table(records, {'params': 'cost/params', 'GFLOPs': 'cost/gflops',
                                  'ms/img': 'cost/ms_per_image'})
    if not cost.empty:
        tables['d_efficiency'] = cost
    return {k: v for k, v in tables.items() if not v.empty}
