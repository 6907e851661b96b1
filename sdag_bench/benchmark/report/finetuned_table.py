"""Frozen vs fine-tuned: one row per enhancer, the frozen detector's AP50 next to the AP50 of
the detectors fine-tuned behind that enhancer (one per fine-tuning seed), and whether a guided
row's gain over its plain ``base`` survives fine-tuning.

Cells are split by their protocol's ``detector_weights`` ('frozen' or 'fine-tuned', from the
detector config). Where the cells have per-image predictions, 95 % bootstrap intervals
(:mod:`sdag_bench.benchmark.report.intervals`, paired resamples of the test images) are given
for the frozen AP50, each fine-tuned AP50 and each gain.
"""
import math
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pandas as pd

from ..cells import BoundRows


def _weights(record: Dict[str, Any]) -> str:
    return (record.get('protocol') or {}).get('detector_weights') or 'frozen'


def split_records(records: Sequence[Dict[str, Any]], dataset: Optional[str] = None
                  ) -> Tuple[str, List[str], Dict[Tuple[str, str], Dict[str, Any]]]:
    """The frozen detector, the fine-tuned detectors and the records by (enhancer, detector).

    Args:
        records (Sequence[dict]): Cell records of one benchmark.
        dataset (str, optional): Keep this dataset's cells (required when there are several).

    Returns:
        tuple: frozen detector name, fine-tuned detector names (sorted), and the records.

    Raises:
        ValueError: No frozen or no fine-tuned detector, several frozen ones or datasets.
    """
    datasets = sorted({r['cell']['dataset']['name'] for r in records})
    if dataset is None:
        if len(datasets) != 1:
            raise ValueError(f'cells of {len(datasets)} datasets {datasets}; choose one')
        dataset = datasets[0]
    chosen = [r for r in records if r['cell']['dataset']['name'] == dataset]
    frozen = sorted({r['cell']['detector']['name'] for r in chosen if _weights(r) == 'frozen'})
    tuned = sorted({r['cell']['detector']['name'] for r in chosen if _weights(r) == 'fine-tuned'})
    if len(frozen) != 1 or not tuned:
        raise ValueError(f'need one frozen and at least one fine-tuned detector on {dataset}; '
                         f'found frozen {frozen}, fine-tuned {tuned}')
    by_key = {(r['cell']['enhancer']['name'], r['cell']['detector']['name']): r for r in chosen}
    return frozen[0], tuned, by_key


def _ap(record: Optional[Dict[str, Any]], metric: str) -> float:
    if record is None:
        return math.nan
    value = (record.get('metrics') or {}).get(metric)
    return math.nan if value is None else float(value)


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if len(finite) == len(values) and finite else math.nan


def finetuned_comparison(records: Sequence[Dict[str, Any]], metric: str = 'AP50',
                         dataset: Optional[str] = None,
                         draws: Optional[Dict[Tuple[str, str, str], Any]] = None,
                         bounds: BoundRows = BoundRows()) -> pd.DataFrame:
    """One row per enhancer: frozen and fine-tuned ``metric`` and the guided rows' gains.

    Args:
        records (Sequence[dict]): Cell records (frozen and fine-tuned detectors).
        metric (str): Canonical metric. Defaults to 'AP50'.
        dataset (str, optional): See :func:`split_records`.
        draws (dict, optional): :func:`~sdag_bench.benchmark.report.intervals.compute_draws` output;
            adds ``*_low`` / ``*_high`` interval columns.
        bounds (BoundRows): The benchmark's bound rows; the Δ columns are against the lower.

    Returns:
        pd.DataFrame: Columns ``enhancer``, ``base``, ``frozen``, ``fine-tuned/<detector>``
        (one per fine-tuned detector), ``fine-tuned mean``, ``Δ frozen`` / ``Δ fine-tuned
        mean`` (against ``identity``), ``gain frozen``, ``gain fine-tuned/<detector>``,
        ``gain fine-tuned mean`` (a guided row minus its ``base``; NaN for other rows).
    """
    frozen, tuned, by_key = split_records(records, dataset)
    enhancers = sorted({e for e, _ in by_key if (e, frozen) in by_key or
                        any((e, t) in by_key for t in tuned)})
    base_of = {e: (r['cell']['enhancer'].get('base') or '') for (e, _), r in by_key.items()}
    data_name = next(iter(by_key.values()))['cell']['dataset']['name']

    def value(enhancer: str, detector: str) -> float:
        return _ap(by_key.get((enhancer, detector)), metric)

    def interval(a: str, detector: str, b: Optional[str] = None) -> Tuple[float, float]:
        if not draws:
            return math.nan, math.nan
        from .intervals import compare_rows
        from sdag_bench.stats import percentile_interval
        cell_a = draws.get((a, data_name, detector))
        if cell_a is None or metric not in cell_a.draws:
            return math.nan, math.nan
        if b is None:
            return percentile_interval(cell_a.draws[metric])
        cell_b = draws.get((b, data_name, detector))
        result = compare_rows(cell_a, cell_b, metric) if cell_b is not None else None
        return (result['low'], result['high']) if result else (math.nan, math.nan)

    rows = []
    for enhancer in enhancers:
        base = base_of.get(enhancer, '')
        row: Dict[str, Any] = dict(enhancer=enhancer, base=base, frozen=value(enhancer, frozen))
        row['frozen_low'], row['frozen_high'] = interval(enhancer, frozen)
        for t in tuned:
            row[f'fine-tuned/{t}'] = value(enhancer, t)
            row[f'fine-tuned/{t}_low'], row[f'fine-tuned/{t}_high'] = interval(enhancer, t)
        row['fine-tuned mean'] = _mean([row[f'fine-tuned/{t}'] for t in tuned])
        row['Δ frozen'] = row['frozen'] - value(bounds.lower, frozen)
        row['Δ fine-tuned mean'] = _mean([value(enhancer, t) - value(bounds.lower, t)
                                          for t in tuned])
        if base:
            row['gain frozen'] = row['frozen'] - value(base, frozen)
            row['gain frozen_low'], row['gain frozen_high'] = interval(enhancer, frozen, base)
            for t in tuned:
                row[f'gain fine-tuned/{t}'] = value(enhancer, t) - value(base, t)
                (row[f'gain fine-tuned/{t}_low'],
                 row[f'gain fine-tuned/{t}_high']) = interval(enhancer, t, base)
            row['gain fine-tuned mean'] = _mean([row[f'gain fine-tuned/{t}'] for t in tuned])
        rows.append(row)
    frame = pd.DataFrame(rows)
    empty = [c for c in frame if c.endswith(('_low', '_high')) and frame[c].isna().all()]
    frame = frame.drop(columns=empty)
    frame.attrs.update(frozen=frozen, tuned=tuned, metric=metric, dataset=data_name)
    return frame


def _num(value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '–'
    return f'{value:+.3f}' if signed else f'{value:.3f}'


def _cell(row: pd.Series, column: str, signed: bool = False) -> str:
    text = _num(row.get(column, math.nan), signed)
    low, high = row.get(f'{column}_low', math.nan), row.get(f'{column}_high', math.nan)
    if text != '–' and not (isinstance(low, float) and math.isnan(low)):
        text += f' [{_num(low, signed)}, {_num(high, signed)}]'
    return text


def format_comparison(frame: pd.DataFrame) -> str:
    """The comparison as markdown: AP per protocol, then the guided rows' gains."""
    tuned = frame.attrs['tuned']
    metric = frame.attrs['metric']
    seeds = ' / '.join(tuned)
    lines = [f'| enhancer | frozen {metric} | fine-tuned {metric} (mean) | fine-tuned, each '
             f'({seeds}) | Δ vs identity frozen | Δ vs identity fine-tuned |',
             '|---|---|---|---|---|---|']
    for _, row in frame.iterrows():
        each = ' / '.join(_cell(row, f'fine-tuned/{t}') for t in tuned)
        lines.append(f"| {row['enhancer']} | {_cell(row, 'frozen')} | "
                     f"{_num(row['fine-tuned mean'])} | {each} | {_num(row['Δ frozen'], True)} "
                     f"| {_num(row['Δ fine-tuned mean'], True)} |")
    guided = frame[frame['base'] != ''] if 'gain frozen' in frame else frame.iloc[0:0]
    if len(guided):
        lines += ['', f'SDAG gain ({metric} of the guided row minus its plain row):', '',
                  f'| guided row | plain row | gain frozen | gain fine-tuned (mean) | '
                  f'gain fine-tuned, each ({seeds}) |', '|---|---|---|---|---|']
        for _, row in guided.iterrows():
            each = ' / '.join(_cell(row, f'gain fine-tuned/{t}', True) for t in tuned)
            lines.append(f"| {row['enhancer']} | {row['base']} | "
                         f"{_cell(row, 'gain frozen', True)} | "
                         f"{_num(row['gain fine-tuned mean'], True)} | {each} |")
    return '\n'.join(lines) + '\n'


def write_comparison(frame: pd.DataFrame, out_stem: str, caption: str = '') -> List[str]:
    """Write ``<out_stem>.md`` and ``<out_stem>.csv``; returns their paths."""
    os.makedirs(osp.dirname(osp.abspath(out_stem)), exist_ok=True)
    md, csv = f'{out_stem}.md', f'{out_stem}.csv'
    with open(md, 'w') as f:
        if caption:
            f.write(caption.rstrip() + '\n\n')
        f.write(f"Frozen detector: `{frame.attrs['frozen']}`; fine-tuned detectors: "
                + ', '.join(f'`{t}`' for t in frame.attrs['tuned'])
                + f" (dataset `{frame.attrs['dataset']}`).\n\n")
        f.write(format_comparison(frame))
    frame.to_csv(csv, index=False)
    return [md, csv]


__all__ = ['split_records', 'finetuned_comparison', 'format_comparison', 'write_comparison']
