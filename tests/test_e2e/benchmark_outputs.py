"""What ``tools/benchmark.py`` wrote in its work dir, read back as a researcher reads it: the
stored cell records and the leaderboard in its three formats."""
import csv
import json
from pathlib import Path
from typing import Dict

import pytest


def read_cells(work: Path) -> Dict[str, dict]:
    """The cell records under ``work/cells``, by enhancer name.

    Args:
        work (Path): The benchmark's work dir.

    Returns:
        dict[str, dict]: Each record, plus ``_file``: its file name without ``.json`` (the
        stem its ``.predictions.npz`` shares).
    """
    records = {}
    for path in sorted((work / 'cells').glob('*.json')):
        record = json.loads(path.read_text())
        records[record['cell']['enhancer']['name']] = dict(record, _file=path.stem)
    return records


def assert_leaderboard_shows(work: Path, records: Dict[str, dict], skipped: int) -> None:
    """``leaderboard.csv``, ``.md`` and ``.tex`` show each record's AP50 and skipped images.

    Args:
        work (Path): The benchmark's work dir.
        records (dict[str, dict]): The cell records by enhancer name (:func:`read_cells`).
        skipped (int): The skipped (unreadable) images every row must count.
    """
    with open(work / 'leaderboard.csv') as f:
        rows = {r['enhancer']: r for r in csv.DictReader(f)}
    markdown = (work / 'leaderboard.md').read_text()
    header = next(line for line in markdown.splitlines() if line.startswith('| enhancer'))
    columns = [c.strip() for c in header.strip('|').split('|')]
    latex = (work / 'leaderboard.tex').read_text()
    for name, record in records.items():
        ap = record['metrics']['AP50']
        assert float(rows[name]['AP50']) == pytest.approx(ap, abs=1e-9), name
        assert int(float(rows[name]['skipped'])) == skipped, name
        line = next(line for line in markdown.splitlines() if line.startswith(f'| {name} '))
        cells = [c.strip() for c in line.strip('|').split('|')]
        # the value, then its bootstrap interval where predictions are stored
        assert cells[columns.index('AP50')].split()[0] == f'{ap:.3f}', name
        assert cells[columns.index('skipped')] == str(skipped), name
        assert f'{ap:.3f}' in latex, name
