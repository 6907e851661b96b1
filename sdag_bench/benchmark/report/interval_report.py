"""One step after a benchmark run: intervals, paired tests and agreement from stored cells.

Reads the cells' predictions files (nothing is re-run), adds the interval columns to the
leaderboard frame, and writes ``intervals.csv`` (every bootstrapped metric of every cell:
AP50, AP50/<class>, NIQE, PSNR, SSIM), ``agreement.{md,csv}`` (Kendall tau between each
quality metric and AP50 across enhancers) and, with plots, ``ap50_intervals.png`` and
``quality_vs_ap50.png`` into the work dir.
"""
import os
import os.path as osp
from typing import List, Sequence, Tuple

import pandas as pd

from ..cells import BoundRows
from .interval_tables import (add_interval_columns, agreement_table, detector_agreement_table,
                              format_agreement, format_detector_agreement, interval_note,
                              intervals_long)
from .intervals import compute_draws

#: Why a tau interval may end below its tau (said in ``agreement.md``).
TAU_INTERVAL_NOTE = ('A τ over resampled images is pulled toward 0 (each resample adds noise to '
                     'every row\'s score, which swaps rows that are close), so its interval can '
                     'end below the τ itself: read the low end as a conservative bound.')


def bootstrap_report(table: pd.DataFrame, records: Sequence[dict], cell_dirs: Sequence[str],
                     out_dir: str, draws: int = 1000, seed: int = 0, level: float = 0.95,
                     plots: bool = True, primary: str = 'AP50',
                     bounds: BoundRows = BoundRows()
                     ) -> Tuple[pd.DataFrame, List[str], List[str], str]:
    """Bootstrap every cell with stored predictions and write the interval outputs.

    Args:
        table (pd.DataFrame): The leaderboard frame (``leaderboard.leaderboard``).
        records (Sequence[dict]): The cells' records.
        cell_dirs (Sequence[str]): Where their predictions files are.
        out_dir (str): Folder for ``intervals.csv``, ``agreement.*`` and the plots.
        draws (int): Resamples (0: nothing is done). Defaults to 1000.
        seed (int): Resampling seed. Defaults to 0.
        level (float): Interval coverage. Defaults to 0.95.
        plots (bool): Write the PNG plots. Defaults to True.
        primary (str): The leaderboard's primary column. Defaults to 'AP50'.
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

    Returns:
        tuple: The table with interval columns, the written paths, notes (cells without
        predictions, metrics not resampled), and a caption line saying how to read the
        intervals ('' when no cell had predictions).
    """
    if draws <= 0 or table.empty:
        return table, [], [], ''
    cells, notes = compute_draws(records, cell_dirs, draws, seed)
    if not cells:
        return table, [], notes, ''
    table = add_interval_columns(table, cells, primary, level, bounds)
    os.makedirs(out_dir, exist_ok=True)
    paths: List[str] = []
    long_path = osp.join(out_dir, 'intervals.csv')
    intervals_long(cells, level).to_csv(long_path, index=False)
    paths.append(long_path)
    agreement = agreement_table(cells, level=level, bounds=bounds)
    detectors = detector_agreement_table(cells, level=level, bounds=bounds)
    agreement_paths = [osp.join(out_dir, f'agreement.{ext}') for ext in ('md', 'csv')]
    agreement.to_csv(agreement_paths[1], index=False)
    with open(agreement_paths[0], 'w') as f:
        f.write('Does visual quality, or a score the detector gives without labels, predict '
                'recognition? Kendall τ-b between each and AP50 across enhancers (NIQE negated, '
                'so +1 = better quality, higher AP50; confident/img: detections with score >= '
                '0.5 per image; top conf.: the mean highest score per image; the normal-light '
                f'bound left out); {interval_note(draws, seed, level, bounds=bounds)} '
                f'{TAU_INTERVAL_NOTE}\n\n'
                + format_agreement(agreement))
        if not detectors.empty:
            f.write('\nDoes a ranking transfer between detectors? Kendall τ-b between the AP50 '
                    'rankings of two detectors over the enhancers both judged, same resampled '
                    'images:\n\n' + format_detector_agreement(detectors))
    if not detectors.empty:
        agreement_paths.append(osp.join(out_dir, 'agreement_detectors.csv'))
        detectors.to_csv(agreement_paths[-1], index=False)
    paths += agreement_paths
    if plots:
        from .interval_plots import plot_ap_intervals, plot_quality_vs_ap
        paths += [p for p in (plot_ap_intervals(table, osp.join(out_dir, 'ap50_intervals.png')),
                              plot_quality_vs_ap(table, agreement,
                                                 osp.join(out_dir, 'quality_vs_ap50.png'),
                                                 bounds=bounds))
                  if p]
    return table, paths, notes, interval_note(draws, seed, level, primary, bounds)


__all__ = ["bootstrap_report"]
