"""The reports of a benchmark run, written from its stored cells (nothing is recomputed).

:func:`write_reports` is the writing half of ``tools/benchmark.py``, callable from Python.
"""
from typing import List, Sequence, Tuple

from ..cells import BoundRows, CellSpec
from .detector_columns import wants_detector_columns, write_detector_columns
from .html_report import write_benchmark_report
from .interval_report import bootstrap_report
from .interval_tables import interval_note
from .leaderboard import (format_value, leaderboard, protocol_lines, records_to_frame,
                          write_leaderboard)
from .per_light_report import write_per_light
from .plots import plot_ap_vs_niqe, plot_paths, plot_per_class_ap
from .publish import selection_caption
from .qualitative import render_qualitative_grid


def write_reports(bench_cfg, cells: Sequence[CellSpec], records: Sequence[dict],
                  cell_dirs: Sequence[str], out_dir: str, bootstrap: int = 1000,
                  bootstrap_seed: int = 0, plots: bool = True,
                  device: str = 'cpu') -> Tuple[str, List[str]]:
    """Write a run's leaderboard (and the paper-style table with several detectors), intervals
    and paired tests, AP per lighting condition, plots and ``report.html`` into ``out_dir``:
    what ``tools/benchmark.py`` writes after computing its cells.

    Args:
        bench_cfg (Config): The benchmark config (``benchmark``, ``primary_metric``,
            ``qualitative_grid``; its bound rows, ``BoundRows.of``).
        cells (Sequence[CellSpec]): The run's cells (for the caption, grid and thumbnails).
        records (Sequence[dict]): Their records.
        cell_dirs (Sequence[str]): Where their predictions files are.
        out_dir (str): Output folder.
        bootstrap (int): Resamples for the intervals (0: none). Defaults to 1000.
        bootstrap_seed (int): Resampling seed. Defaults to 0.
        plots (bool): Write the PNGs and the report's thumbnails. Defaults to True.
        device (str): Where the qualitative grid's enhancers run. Defaults to 'cpu'.

    Returns:
        tuple[str, list[str]]: The markdown leaderboard's text (what the run prints) and the
        written paths.
    """
    bounds = BoundRows.of(bench_cfg)
    primary = bench_cfg.get('primary_metric', 'AP50')
    table = leaderboard(records_to_frame(records), sort_by=primary, bounds=bounds)
    table, interval_paths, interval_notes, interval_caption = bootstrap_report(
        table, records, list(cell_dirs), out_dir, bootstrap, bootstrap_seed,
        plots=plots, primary=primary, bounds=bounds)
    holds = selection_caption(cells)
    caption = '\n'.join(filter(None, [f'Benchmark `{bench_cfg.benchmark}`', holds,
                                      interval_caption]))
    # several detectors on one dataset: leaderboard.* is the paper-style table (a column group
    # per detector) and the long table (a row per enhancer and detector) is leaderboard_long.*
    several = wants_detector_columns(table)
    paths = write_leaderboard(table, out_dir, caption=caption,
                              name='leaderboard_long' if several else 'leaderboard')
    if several:
        paths = write_detector_columns(table, out_dir, format_value, caption,
                                       protocol_lines(table), primary, bounds=bounds) + paths
    paths += interval_paths
    # AP50 per lighting condition where the test json names them (ExDark's Light, In/Out)
    light_paths, light_notes = write_per_light(
        records, list(cell_dirs), out_dir, bootstrap, bootstrap_seed,
        interval_note(bootstrap, bootstrap_seed, 0.95, bounds=bounds), plots=plots,
        bounds=bounds)
    paths += light_paths
    for note in interval_notes + light_notes:
        print(f'[intervals] {note}')
    if plots:
        figures = plot_paths(out_dir)
        paths += [p for p in (plot_ap_vs_niqe(table, figures['ap_vs_niqe'], bounds=bounds),
                              plot_per_class_ap(records, figures['per_class']),
                              # a benchmark on photos that may not be redistributed sets
                              # qualitative_grid = False: no image grid of them is written
                              render_qualitative_grid(
                                  [c for c in cells if c.dataset == cells[0].dataset],
                                  figures['grid'], device=device)
                              if bench_cfg.get('qualitative_grid', True) else None) if p]
    # one self-contained page; thumbnails of the outputs only where images may be shown
    paths.append(write_benchmark_report(
        table, out_dir, bench_cfg.benchmark, '\n'.join(filter(None, [holds, interval_caption])),
        [p for p in paths if p.endswith('.png')], cells,
        images=plots and bench_cfg.get('qualitative_grid', True),
        device=device, bounds=bounds))
    with open(paths[0]) as f:  # this run's own file, in its private folder
        return f.read(), paths
