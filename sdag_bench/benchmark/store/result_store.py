"""The results store: one JSON file per cell under ``<root>/cells/``, written atomically.

A stored result whose key (``CellSpec.key``) differs is stale and is recomputed; a matching one
is reused. A result file that is not a sound record of its own cell (see ``record_check.py``:
not strict JSON, another cell's record, a value outside its metric's range) or whose
``.predictions.npz`` is not the one it was written with is damaged: it is named in a warning,
moved to ``cells/damaged/`` with its predictions, and recomputed.
"""
import os
import os.path as osp
import secrets
import shutil
import sys
import time
from typing import Any, Dict, Iterator, List, Optional

from ...utils.atomic_files import (check_writable, dumps_strict, is_dead_writers_temp,
                                   json_safe, write_atomic)
from ..cells import CellSpec
from .record_check import PREDICTIONS_SUFFIX, check_record, parse_record


class ResultStore:
    """One JSON file per cell under ``<root>/cells/``, written atomically.

    Damaged files (not a sound record of their own cell, see :meth:`read_record`; a
    predictions file that is not the record's own; a folder where a file should be) are moved
    to ``cells/damaged/`` by :meth:`load` and skipped, with a warning, by :meth:`records`. NaN
    and infinite values are stored as ``null`` and listed in the record's ``nonfinite_values``.

    Args:
        root (str): The benchmark's result folder (e.g. ``results/demo``).
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.cell_dir = osp.join(root, 'cells')
        self.damaged_dir = osp.join(self.cell_dir, 'damaged')
        #: Files skipped by :meth:`records` as damaged (name, reason).
        self.skipped: List[tuple] = []

    def path(self, cell: CellSpec) -> str:
        return osp.join(self.cell_dir, f'{cell.name}.json')

    def predictions_path(self, cell: CellSpec) -> str:
        """The cell's per-image predictions (``predictions.py``), next to its record."""
        return osp.join(self.cell_dir, f'{cell.name}{PREDICTIONS_SUFFIX}')

    def check_writable(self) -> None:
        """Raise ``StoreError`` naming the folder unless cells can be written there."""
        check_writable(self.cell_dir)

    @staticmethod
    def read_record(path: str) -> Dict[str, Any]:
        """Read a cell file; ``ValueError`` says why it is not a sound record of its cell.

        Strict JSON, the record of the cell the file is named after, metric values of the
        right type and range (``record_check.py``).
        """
        if osp.isdir(path):
            raise ValueError('a folder, not a file')
        try:
            with open(path, 'rb') as f:
                raw = f.read()
        except OSError as err:
            raise ValueError(f'unreadable ({err.strerror or err})') from None
        record = parse_record(raw)
        check_record(record, osp.basename(path))
        return record

    @staticmethod
    def unit_problem(path: str, record: Dict[str, Any]) -> Optional[str]:
        """Why a record (read from ``path``) and the predictions file next to it are not one
        unit (see ``predictions.binding_problem``); None when they are."""
        from .predictions import binding_problem
        return binding_problem(record, path[:-len('.json')] + PREDICTIONS_SUFFIX)

    def quarantine(self, path: str, reason: str) -> Optional[str]:
        """Move a damaged cell file (and its predictions file) aside to ``cells/damaged/`` and
        warn, naming both."""
        os.makedirs(self.damaged_dir, exist_ok=True)
        suffix = f'{time.strftime("%Y%m%d-%H%M%S")}-{os.getpid()}-{secrets.token_hex(2)}'
        target = osp.join(self.damaged_dir, f'{osp.basename(path)}.{suffix}')
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return None  # another run moved it first
        except OSError as err:
            _warn(f'damaged cell file {path} ({reason}) could not be moved aside: '
                  f'{err.strerror or err}')
            return None
        predictions = path[:-len('.json')] + PREDICTIONS_SUFFIX if path.endswith('.json') \
            else None
        if predictions and osp.isfile(predictions):
            try:
                os.replace(predictions, osp.join(self.damaged_dir,
                                                 f'{osp.basename(predictions)}.{suffix}'))
            except OSError:
                pass  # another run moved it first; the cell is recomputed either way
        _warn(f'damaged cell file {path} ({reason}); moved to {target}, the cell is '
              'recomputed')
        return target

    def load(self, cell: CellSpec, key: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """Return the stored result if present, sound and current (same key), else None.

        A damaged file (:meth:`read_record`), or a current record whose predictions file is
        not its own (:meth:`unit_problem`), is moved aside (see :meth:`quarantine`) and reads as
        missing; a cell claimed by a live run (which may be between writing its predictions
        and its record) is left alone and reads as missing.
        """
        path = self.path(cell)
        if not osp.lexists(path):
            return None
        try:
            record = self.read_record(path)
        except ValueError as err:
            self.quarantine(path, str(err))
            return None
        if key is not None and record.get('key') != key:
            return None
        problem = self.unit_problem(path, record)
        if problem:
            from .claims import CellClaims
            claims = CellClaims(self.cell_dir)
            holder = claims.read(cell.name)
            if holder is None or claims.is_mine(holder) or claims.is_stale(cell.name, holder):
                self.quarantine(path, problem)
            return None
        return record

    def save(self, cell: CellSpec, record: Dict[str, Any]) -> str:
        """Write the record atomically (temporary file of this process, then rename).

        Non-finite numbers are stored as ``null`` (strict JSON) and listed in
        ``nonfinite_values``. A folder in the file's place is moved aside first. The record
        carries the cell it belongs to (``cell``, from ``cell`` when the record has none).

        Raises:
            ValueError: The record is of another cell, or would not read back as sound
                (``record_check.py``).
        """
        os.makedirs(self.cell_dir, exist_ok=True)
        path = self.path(cell)
        if osp.isdir(path) and not osp.islink(path):
            self.quarantine(path, 'a folder, not a file')
        nonfinite: List[str] = []
        clean = json_safe({k: v for k, v in record.items() if k != 'nonfinite_values'},
                          nonfinite=nonfinite)
        clean['nonfinite_values'] = nonfinite
        clean['cell'] = clean.get('cell') or json_safe(cell.describe())
        check_record(clean, osp.basename(path))
        text = dumps_strict(clean)
        return write_atomic(path, lambda f: f.write(text))

    def records(self) -> Iterator[Dict[str, Any]]:
        """Every stored record, in file-name order; damaged files are warned about and
        skipped (listed in :attr:`skipped`)."""
        if not osp.isdir(self.cell_dir):
            return
        for name in sorted(os.listdir(self.cell_dir)):
            if name.endswith('.json') and not name.startswith('.'):
                path = osp.join(self.cell_dir, name)
                try:
                    record = self.read_record(path)
                    problem = self.unit_problem(path, record)
                    if problem:
                        raise ValueError(problem)
                except ValueError as err:
                    self.skipped.append((name, str(err)))
                    _warn(f'skipped damaged cell file {path} ({err}); run tools/benchmark.py '
                          'to move it aside and recompute it')
                    continue
                yield record

    def clean_temporaries(self) -> List[str]:
        """Remove temporary files (and a run's private output folders, ``report/publish.py``)
        left by dead writers; returns their names.

        Temporaries of live processes (another run sharing the folder) are kept.
        """
        removed = []
        for folder in (self.cell_dir, osp.join(self.root, '.cache'), self.root):
            if not osp.isdir(folder):
                continue
            for name in os.listdir(folder):
                if is_dead_writers_temp(name):
                    path = osp.join(folder, name)
                    try:
                        if osp.isdir(path) and not osp.islink(path):
                            shutil.rmtree(path)
                        else:
                            os.remove(path)
                    except FileNotFoundError:
                        continue
                    removed.append(name)
        return removed


def _warn(message: str) -> None:
    print(f'[store] warning: {message}', file=sys.stderr, flush=True)
