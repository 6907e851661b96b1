"""Benchmark cells: one (enhancer, dataset, detector) triple = one result file.

A cell's key hashes everything that determines its numbers: the enhancer config and the
content of its checkpoint, the dataset config and split, the detector config and the content of
its checkpoint, the run settings that change numbers (extra metrics, cost settings, seed, batch
size), the content of the annotation files and the image set (see ``data_inputs.py``), and the
harness version. A stored result whose key differs is stale and is recomputed; a matching one
is reused. A result file that is not a sound record of its own cell (see ``record_check.py``:
not strict JSON, another cell's record, a value outside its metric's range) or whose
``.predictions.npz`` is not the one it was written with is damaged: it is named in a warning,
moved to ``cells/damaged/`` with its predictions, and recomputed.
"""
import copy
import hashlib
import json
import os
import os.path as osp
import secrets
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional

from .file_hashes import file_sha256
from .record_check import PREDICTIONS_SUFFIX, check_record, parse_record
from .store_files import (check_writable, dumps_strict, is_dead_writers_temp, json_safe,
                          write_atomic)

#: Bump when a change in the harness changes the numbers it produces.
HARNESS_VERSION = 4  # 4: native-size 8-bit enhancement, each detector's own test transforms


def load_config(path: str):
    """``Config.fromfile`` with a per-process cache keyed by the file's path and content.

    A config inheriting from mmdet's can take a second to parse and the benchmark reads each one
    several times (planning, cell keys, evaluation). A ``_base_`` file edited while a run is
    going is noticed by the next run.

    Args:
        path (str): Config file.

    Returns:
        mmengine.config.Config: A private copy (safe to modify).
    """
    return copy.deepcopy(_load_config(osp.abspath(path), _content_digest(path)))


def config_text(path: str) -> str:
    """A canonical text of a config (``_base_`` files merged in): sorted JSON, for cell keys."""
    return _config_text(osp.abspath(path), _content_digest(path))


def _content_digest(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


@lru_cache(maxsize=512)
def _load_config(path: str, digest: str):
    from mmengine.config import Config
    return Config.fromfile(path)


@lru_cache(maxsize=512)
def _config_text(path: str, digest: str) -> str:
    return json.dumps(_load_config(path, digest).to_dict(), sort_keys=True, default=str)


@dataclass
class EnhancerSpec:
    """An enhancer row: a config file (defining ``enhancer``) and an optional checkpoint."""
    name: str
    config: str
    checkpoint: Optional[str] = None
    label: Optional[str] = None  # shown in tables, e.g. "official weights"
    base: Optional[str] = None  # for *_sdag rows: the name of the unguided method
    dataset_overrides: Dict[str, Any] = field(default_factory=dict)  # e.g. the upper bound


@dataclass
class DatasetSpec:
    """A dataset config (``test_dataloader`` + ``test_evaluator``) and the split it tests."""
    name: str
    config: str
    split: str = 'test'
    # dotted-key overrides of the config (--data-root, --cfg-options), see dataset_options.py
    cfg_options: Dict[str, Any] = field(default_factory=dict)


@dataclass
class DetectorSpec:
    """A frozen detector: a config whose ``model`` is an mmdet detector, and its weights."""
    name: str
    config: str
    checkpoint: Optional[str] = None


@dataclass
class CellSpec:
    """One cell of the benchmark table."""
    enhancer: EnhancerSpec
    dataset: DatasetSpec
    detector: DetectorSpec

    @property
    def name(self) -> str:
        return f'{self.enhancer.name}__{self.dataset.name}__{self.detector.name}'

    def key_material(self, settings: Optional[Dict[str, Any]] = None,
                     data: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Everything the cell's numbers depend on (configs are hashed by content).

        Args:
            settings (dict, optional): Run settings that change numbers (see
                :func:`run_settings`).
            data (dict, optional): Digests of the annotation files and image set (see
                ``DataInputs.of``).

        Returns:
            dict: JSON-ready key material.
        """
        return dict(
            harness=HARNESS_VERSION,
            enhancer=config_text(self.enhancer.config),
            enhancer_checkpoint=file_sha256(self.enhancer.checkpoint),
            dataset_overrides=json.dumps(self.enhancer.dataset_overrides, sort_keys=True),
            dataset=config_text(self.dataset.config),
            split=self.dataset.split,
            dataset_options=json.dumps(getattr(self.dataset, 'cfg_options', {}), sort_keys=True,
                                       default=str),
            detector=config_text(self.detector.config),
            detector_checkpoint=file_sha256(self.detector.checkpoint),
            settings=json.dumps(json_safe(settings), sort_keys=True, default=str),
            data=json.dumps(data, sort_keys=True),
        )

    def key(self, settings: Optional[Dict[str, Any]] = None,
            data: Optional[Dict[str, Any]] = None) -> str:
        """Hex key of the cell (sha1 over :meth:`key_material`)."""
        material = json.dumps(self.key_material(settings, data), sort_keys=True)
        return hashlib.sha1(material.encode()).hexdigest()[:16]

    def describe(self) -> Dict[str, Any]:
        return dict(enhancer=asdict(self.enhancer), dataset=asdict(self.dataset),
                    detector=asdict(self.detector))


def run_settings(extra_metrics: Optional[List[dict]] = None, cost_cfg: Optional[dict] = None,
                 seed: int = 0, batch_size: Optional[int] = None) -> Dict[str, Any]:
    """The run settings that change a cell's numbers (part of its key).

    Args:
        extra_metrics (list[dict], optional): Metric configs added to every cell.
        cost_cfg (dict, optional): Enhancer cost settings (None: not measured).
        seed (int): Data-loader and torch seed.
        batch_size (int, optional): Batch size override (padding within a batch can change
            a detector's output).

    Returns:
        dict: JSON-ready settings.
    """
    return json.loads(json.dumps(json_safe(dict(
        extra_metrics=list(extra_metrics or []), cost_cfg=cost_cfg, seed=seed,
        batch_size=batch_size)), default=str))


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
        """Remove temporary files (and a run's private output folders, ``run_outputs.py``)
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
