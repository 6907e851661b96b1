"""Leaderboard plots (matplotlib, PNG): AP vs NIQE, per-class AP, a qualitative grid."""
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

import matplotlib
import numpy as np
import pandas as pd
# a Figure without pyplot draws with Agg and leaves the process's backend alone
from matplotlib.figure import Figure

from sdag_bench.metrics.canonical import PER_CLASS_AP50  # noqa: E402
from ..cells import BoundRows
from .interval_plots import draw_row_intervals  # noqa: E402

#: Colour and marker of the upper bounds (role 0), the enhancers (1) and the lower bound (2).
_ROLE_STYLE = {0: ('tab:green', '*'), 1: ('tab:blue', 'o'), 2: ('tab:red', 'X')}


def plot_ap_vs_niqe(table: pd.DataFrame, path: str, ap: str = 'AP50',
                    quality: str = 'NIQE', bounds: BoundRows = BoundRows()) -> Optional[str]:
    """Scatter of detection AP against NIQE, one point per enhancer (per dataset/detector).

    Guided rows (``base`` set) are joined to their unguided base by an arrow; the bound rows of
    ``bounds`` are marked.

    Returns:
        str | None: The written path, or None if the table lacks the columns.
    """
    if table.empty or ap not in table or quality not in table or table[quality].isna().all():
        return None
    fig = Figure(figsize=(7, 5))
    ax = fig.subplots()
    for _, row in table.iterrows():
        if not (np.isfinite(row[ap]) and np.isfinite(row[quality])):
            continue
        colour, marker = _ROLE_STYLE[bounds.role(row['enhancer'])]
        if row.get('base'):
            colour = 'tab:purple'
        ax.scatter(row[quality], row[ap], c=colour, marker=marker, s=60, zorder=3)
        draw_row_intervals(ax, row, quality, ap, colour)  # bootstrap intervals, if any
        ax.annotate(row['enhancer'], (row[quality], row[ap]), fontsize=7,
                    xytext=(4, 3), textcoords='offset points')
    by_name = {r['enhancer']: r for _, r in table.iterrows()}
    for _, row in table.iterrows():
        base = by_name.get(row.get('base') or '')
        if base is not None and all(np.isfinite([row[ap], row[quality], base[ap], base[quality]])):
            ax.annotate('', xy=(row[quality], row[ap]), xytext=(base[quality], base[ap]),
                        arrowprops=dict(arrowstyle='->', color='tab:purple', lw=1))
    ax.set_xlabel(f'{quality} (lower is better)')
    ax.set_ylabel(f'{ap} (higher is better)')
    ax.set_title('Detection vs. visual quality after enhancement')
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def plot_per_class_ap(records: Sequence[dict], path: str, prefix: str = PER_CLASS_AP50,
                      enhancers: Optional[Sequence[str]] = None) -> Optional[str]:
    """Grouped bars of per-class AP, one bar per enhancer within each class.

    Args:
        records (Sequence[dict]): Cell records (canonical ``AP50/<class>`` metrics).
        path (str): Output PNG.
        prefix (str): Per-class metric prefix. Defaults to ``'AP50/'``.
        enhancers (Sequence[str], optional): Only these rows.

    Returns:
        str | None: The written path, or None if no record has per-class values.
    """
    per: Dict[str, Dict[str, float]] = {}
    for record in records:
        name = record['cell']['enhancer']['name']
        if enhancers and name not in enhancers:
            continue
        values = {k[len(prefix):]: v for k, v in record['metrics'].items() if k.startswith(prefix)}
        if values:
            per[name] = values
    if not per:
        return None
    classes = sorted({c for v in per.values() for c in v})
    names = list(per)
    width = 0.8 / len(names)
    fig = Figure(figsize=(max(7, len(classes) * 1.1) + 2, 4.5))
    ax = fig.subplots()
    cmap = matplotlib.colormaps['tab20']
    for i, name in enumerate(names):
        # a class without ground truth in a dataset has AP None there
        heights = [math.nan if per[name].get(c) is None else per[name][c] for c in classes]
        ax.bar(np.arange(len(classes)) + i * width - 0.4 + width / 2, heights, width,
               label=name, color=cmap(i % 20))
    ax.set_xticks(np.arange(len(classes)))
    ax.set_xticklabels(classes, rotation=30, ha='right')
    ax.set_ylabel(prefix.rstrip('/').split('/')[-1])
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, ncol=1 + len(names) // 16, loc='upper left',
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.set_title('Per-class AP')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def save_qualitative_grid(rows: List[List[np.ndarray]], row_names: Sequence[str], path: str,
                          dpi: int = 80) -> str:
    """Save a grid: one row per enhancer, one column per image (RGB float [0, 1] arrays).

    Args:
        rows (list[list[np.ndarray]]): Images (H x W x 3, [0, 1]) per row.
        row_names (Sequence[str]): Row labels.
        path (str): Output PNG (saved with a 256-colour palette).
        dpi (int): Resolution. Defaults to 80.

    Returns:
        str: ``path``.
    """
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    fig = Figure(figsize=(1.6 * n_cols + 1.2, 1.6 * n_rows))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for r, (images, name) in enumerate(zip(rows, row_names)):
        for c in range(n_cols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                ax.imshow(np.clip(images[c], 0, 1))
            if c == 0:
                ax.set_ylabel(name, rotation=0, ha='right', va='center', fontsize=8)
    fig.tight_layout(pad=0.2)
    fig.savefig(path, dpi=dpi)
    # noisy low-light images barely compress: a 256-colour palette keeps the file small
    from PIL import Image
    with Image.open(path) as img:
        img.convert('RGB').quantize(256).save(path, optimize=True)
    return path


def plot_paths(out_dir: str) -> Dict[str, str]:
    return dict(ap_vs_niqe=osp.join(out_dir, 'ap_vs_niqe.png'),
                per_class=osp.join(out_dir, 'per_class_ap.png'),
                grid=osp.join(out_dir, 'qualitative_grid.png'))
