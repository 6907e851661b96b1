"""The README's real ExDark table is the committed one: every row of
``results/exdark600/leaderboard.csv`` (written by ``tools/benchmark.py``) is a row of the README
table with the same numbers, and the README has no row the csv lacks, so a number in the README
cannot go stale when a row is added or recomputed. The README rounds here, with its own format
(3 decimals, ``*`` where the paired p < 0.05), independently of the report code; the counts its
prose states (rows, paired tests by lighting) are read back from the committed tables."""
import re

import pandas as pd

from sdag_bench.utils.paths import PROJECT_ROOT

RESULTS = PROJECT_ROOT / 'results' / 'exdark600'
DETECTORS = ('yolov3_tiny', 'yolox_nano')


def _readme_rows() -> list:
    text = (PROJECT_ROOT / 'README.md').read_text(encoding='utf-8')
    start = text.index('| enhancer | YOLOv3-tiny AP50 [95 %] | ΔAP50 | YOLOX-Nano AP50 [95 %]')
    lines = text[start:].split('\n\n', 1)[0].splitlines()[2:]
    return [[cell.strip() for cell in line.strip('|').split('|')] for line in lines]


def _expected(row: pd.Series) -> list:
    cells = []
    for detector in DETECTORS:
        col = f'{detector} · '
        cells.append(f"{row[col + 'AP50']:.3f} [{row[col + 'AP50_lo']:.3f}, "
                     f"{row[col + 'AP50_hi']:.3f}]")
        if row['enhancer'] == 'identity':
            cells.append('–')
        else:
            star = '*' if row[f'p({col}ΔAP50)'] < 0.05 else ''
            cells.append(f"{row[col + 'ΔAP50']:+.3f}{star}")
    cells.append(f"{row['NIQE']:.2f}")
    return cells


def test_readme_table_rows_are_the_committed_leaderboard_rows():
    board = pd.read_csv(RESULTS / 'leaderboard.csv')
    readme = _readme_rows()
    assert len(readme) == len(board), (len(readme), len(board))
    numbers = [row[1:] for row in readme]
    for _, row in board.iterrows():
        assert _expected(row) in numbers, (row['enhancer'], _expected(row))
    # same order: the leaderboard's (best YOLOv3-tiny ΔAP50 first, the baseline last)
    assert numbers == [_expected(row) for _, row in board.iterrows()]


def test_readme_counts_are_those_of_the_committed_tables():
    text = (PROJECT_ROOT / 'README.md').read_text(encoding='utf-8')
    board = pd.read_csv(RESULTS / 'leaderboard.csv')
    assert f'**Results** (`results/exdark600/`, {len(board)} rows' in text
    assert f'rank these {len(board)} rows alike' in text
    per_light = (RESULTS / 'per_light.md').read_text(encoding='utf-8')
    (flag_a, tests), (flag_b, _) = re.findall(r'\((\d+) of (\d+) paired tests', per_light)
    assert (f'{tests} paired tests per detector' in text
            and f'{flag_a} are flagged for YOLOv3-tiny and {flag_b} for YOLOX-Nano' in text)
