"""``per_light.{csv,md}`` and ``per_light.png``: which enhancer helps a detector in which light.

The numbers come from :mod:`.per_light` (stored predictions, no recompute). The markdown has, per
(dataset, detector), a table of AP50 [interval] with a row per enhancer and a column per lighting
type and indoor/outdoor (the header gives each group's images), a table of ΔAP50 against no
enhancement (``*``: paired bootstrap p < 0.05), and one line per group naming the enhancers that
significantly help or hurt there, under a count of the tests made and of how many would be
flagged by chance alone (nothing is corrected for the many tests). The plot is that ΔAP50 as
a heat map per detector.
"""
import math
import os.path as osp
from typing import List, Sequence, Tuple

import pandas as pd
# a Figure without pyplot draws with Agg and leaves the process's backend alone
from matplotlib.figure import Figure

from ..cells import BoundRows
from .interval_tables import ALPHA, SIGNIFICANT
from .per_light import CONDITIONS, LIGHT_TYPES, MIN_TEST_IMAGES, per_light_draws, per_light_table

#: Column order: the lighting types in ExDark's order, then indoor/outdoor.
_ORDER = list(LIGHT_TYPES.values()) + list(CONDITIONS['in_out'][1].values())


def _groups(part: pd.DataFrame) -> List[str]:
    present = set(part.group)
    return [g for g in _ORDER if g in present] + sorted(present - set(_ORDER))


def _pivot(part: pd.DataFrame, text) -> pd.DataFrame:
    groups = _groups(part)
    sizes = part.drop_duplicates('group').set_index('group')
    columns = {g: f"{g} ({sizes.loc[g, 'images']})" for g in groups}
    rows = {}
    for enhancer, own in part.groupby('enhancer', sort=False):
        own = own.set_index('group')
        rows[enhancer] = {columns[g]: text(own.loc[g]) if g in own.index else '–'
                          for g in groups}
    return pd.DataFrame.from_dict(rows, orient='index', columns=list(columns.values()))


def _ap_text(row) -> str:
    if math.isnan(row.AP50_lo):  # too few photos for an interval
        return f'{row.AP50:.3f}'
    return f'{row.AP50:.3f} [{row.AP50_lo:.3f}, {row.AP50_hi:.3f}]'


def _delta_text(row) -> str:
    value = row.get('ΔAP50', math.nan)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '–'
    mark = SIGNIFICANT if row['p(ΔAP50)'] < ALPHA else ''
    return f'{value:+.3f}{mark}'


def _tested(part: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``part`` with a paired test: :mod:`.per_light` gives a p-value to every
    enhancer but the lower bound in each group of at least ``MIN_TEST_IMAGES`` photos."""
    return part.dropna(subset=['p(ΔAP50)']) if 'p(ΔAP50)' in part else part.iloc[:0]


def _verdicts(part: pd.DataFrame) -> List[str]:
    """One line per group: enhancers significantly above / below no enhancement."""
    lines = []
    tested = _tested(part)
    sizes = part.drop_duplicates('group').set_index('group').images
    for group in _groups(part):
        if sizes[group] < MIN_TEST_IMAGES:
            lines.append(f'- {group}: {sizes[group]} photo(s), too few to test')
            continue
        own = tested[(tested.group == group) & (tested['p(ΔAP50)'] < ALPHA)]
        better = ', '.join(f'{r.enhancer} ({r["ΔAP50"]:+.3f})' for _, r in
                           own[own['ΔAP50'] > 0].sort_values('ΔAP50', ascending=False).iterrows())
        worse = ', '.join(f'{r.enhancer} ({r["ΔAP50"]:+.3f})' for _, r in
                          own[own['ΔAP50'] < 0].sort_values('ΔAP50').iterrows())
        lines.append(f'- {group}: helps: {better or "none"}; hurts: {worse or "none"}')
    return lines


def _test_counts(part: pd.DataFrame) -> Tuple[int, int]:
    """(significant, all) paired tests of a (dataset, detector) part (see :func:`_tested`)."""
    tested = _tested(part)
    if tested.empty:  # no group large enough: the table has no p-value column
        return 0, 0
    return int((tested['p(ΔAP50)'] < ALPHA).sum()), len(tested)


def format_per_light(table: pd.DataFrame, note: str = '', bounds: BoundRows = BoundRows()) -> str:
    """The markdown of :func:`write_per_light` (see the module docstring); the lower bound of
    ``bounds`` is the last row and the one every Δ is against."""
    if table.empty:
        return '(no cell has stored predictions on a test set with lighting conditions)\n'
    out = ['AP50 (VOC area, IoU 0.5) per ExDark lighting type and indoor/outdoor, from the stored '
           f'per-image predictions; {note} Groups of fewer than {MIN_TEST_IMAGES} photos get no '
           'interval and no test.\n']
    for (dataset, detector), part in table.groupby(['dataset', 'detector'], sort=True):
        order = part[(part.condition == 'in/out')].groupby('enhancer').AP50.mean() \
            .sort_values(ascending=False).index.tolist()
        part = part.set_index('enhancer').loc[
            [e for e in order if e != bounds.lower] +
            [e for e in order if e == bounds.lower]].reset_index()
        out.append(f'\n## {dataset} / {detector}\n\nAP50 [95 % interval] (images per group in '
                   'the header):\n\n')
        out.append(_pivot(part, _ap_text).to_markdown(disable_numparse=True) + '\n')
        out.append(f'\nΔAP50 against no enhancement ({SIGNIFICANT}: p < {ALPHA}):\n\n')
        out.append(_pivot(part[part.enhancer != bounds.lower], _delta_text)
                   .to_markdown(disable_numparse=True) + '\n')
        flagged, tested = _test_counts(part)
        out.append(f'\nWhere an enhancer significantly helps or hurts ({flagged} of {tested} '
                   f'paired tests at p < {ALPHA}; were no enhancer to change anything, about '
                   f'{tested * ALPHA:.0f} would be flagged by chance alone, so read patterns '
                   'across groups and detectors, not a single cell):\n\n' +
                   '\n'.join(_verdicts(part)) + '\n')
    return ''.join(out)


def plot_per_light(table: pd.DataFrame, path: str, bounds: BoundRows = BoundRows()) -> str:
    """Heat map of ΔAP50 (enhancer x condition group) per (dataset, detector), without the
    lower bound of ``bounds`` (the row the Δ is against)."""
    parts = [(key, part[part.enhancer != bounds.lower])
             for key, part in table.groupby(['dataset', 'detector'], sort=True)]
    fig = Figure(figsize=(6.5 * len(parts),
                          0.35 * len(parts[0][1].enhancer.unique()) + 2.2))
    axes = fig.subplots(1, len(parts), squeeze=False)
    for ax, ((dataset, detector), part) in zip(axes[0], parts):
        groups = _groups(part)
        enhancers = sorted(part.enhancer.unique())
        own = part.set_index(['enhancer', 'group'])
        values = [[own['ΔAP50'].get((e, g), math.nan) for g in groups] for e in enhancers]
        limit = max(0.05, max((abs(v) for row in values for v in row if not math.isnan(v)),
                              default=0.05))
        image = ax.imshow(values, cmap='RdBu', vmin=-limit, vmax=limit, aspect='auto')
        for i, enhancer in enumerate(enhancers):
            for j, group in enumerate(groups):
                p = own['p(ΔAP50)'].get((enhancer, group), math.nan)
                if not math.isnan(p) and p < ALPHA:
                    ax.text(j, i, SIGNIFICANT, ha='center', va='center', fontsize=9)
        ax.set_xticks(range(len(groups)), groups, rotation=60, ha='right', fontsize=8)
        ax.set_yticks(range(len(enhancers)), enhancers, fontsize=8)
        ax.set_title(f'{detector}: ΔAP50 vs no enhancement ({SIGNIFICANT} p<{ALPHA})',
                     fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def write_per_light(records: Sequence[dict], cell_dirs: Sequence[str], out_dir: str,
                    draws: int = 1000, seed: int = 0, note: str = '',
                    plots: bool = True,
                    bounds: BoundRows = BoundRows()) -> Tuple[List[str], List[str]]:
    """Write ``per_light.csv`` / ``.md`` (and ``per_light.png``) when the cells' test sets carry
    lighting conditions.

    Args:
        records (Sequence[dict]): Cell records.
        cell_dirs (Sequence[str]): Where their predictions files are.
        out_dir (str): Output folder.
        draws (int): Resamples (0: nothing is written). Defaults to 1000.
        seed (int): Resampling seed. Defaults to 0.
        note (str): How to read the intervals (written under the title).
        plots (bool): Write the PNG. Defaults to True.
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

    Returns:
        tuple[list[str], list[str]]: The written paths (none when no test set has conditions)
        and notes.
    """
    if draws <= 0:
        return [], []
    subsets, notes = per_light_draws(records, cell_dirs, draws, seed)
    if not subsets:
        return [], []
    table = per_light_table(subsets, bounds=bounds)
    paths = [osp.join(out_dir, 'per_light.csv'), osp.join(out_dir, 'per_light.md')]
    table.to_csv(paths[0], index=False)
    with open(paths[1], 'w') as f:
        f.write(format_per_light(table, note, bounds))
    if plots and 'ΔAP50' in table and table['ΔAP50'].notna().any():
        paths.append(plot_per_light(table, osp.join(out_dir, 'per_light.png'), bounds))
    elif plots:  # a heat map of nothing would only mislead
        notes.append(f'per_light.png not drawn: no lighting group has {MIN_TEST_IMAGES} photos '
                     'or more, so no ΔAP50 is tested')
    return paths, notes
