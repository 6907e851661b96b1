"""Benchmark cells: one (enhancer, dataset, detector) triple = one result file.

A cell's key hashes everything that determines its numbers: the enhancer config and the
content of its checkpoint, the dataset config and split, the detector config and the content of
its checkpoint, the run settings that change numbers (extra metrics, cost settings, seed, batch
size), the content of the annotation files and the image set (see ``data_inputs.py``), and the
harness version. A stored result whose key differs is stale and is recomputed; a matching one
is reused. A result file that does not parse as a record is damaged: it is named in a warning,
moved to ``cells/damaged/`` and recomputed.
"""
import copy
import hashlib
import json
import os
import os.path as osp
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional

from .store_files import (check_writable, dumps_strict, is_dead_writers_temp, json_safe,
                          write_atomic)

#: Bump when a change in the harness changes the numbers it produces.
HARNESS_VERSION = 4  # 4: native-size 8-bit enhancement, each detector's own test transforms


@lru_cache(maxsize=256)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Optional[str]) -> Optional[str]:
    """sha256 of a file (cached by path, size and mtime); None for no file.

    Args:
        path (str, optional): File path.

    Returns:
        str | None: Hex digest.
    """
    if not path:
        return None
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    stat = os.stat(path)
    return _file_sha256(osp.abspath(path), stat.st_size, stat.st_mtime_ns)


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

    Damaged files (not a JSON object with ``key`` and ``metrics``, or a folder where a file
    should be) are moved to ``cells/damaged/`` by :meth:`load` and skipped, with a warning, by
    :meth:`records`. NaN and infinite values are stored as ``null`` and listed in the record's
    ``nonfinite_values``.

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
        return osp.join(self.cell_dir, f'{cell.name}.predictions.npz')

    def check_writable(self) -> None:
        """Raise ``StoreError`` naming the folder unless cells can be written there."""
        check_writable(self.cell_dir)

    @staticmethod
    def read_record(path: str) -> Dict[str, Any]:
        """Read a cell file; ``ValueError`` says why it is not a record."""
        if osp.isdir(path):
            raise ValueError('a folder, not a file')
        try:
            with open(path, 'rb') as f:
                raw = f.read()
        except OSError as err:
            raise ValueError(f'unreadable ({err.strerror or err})') from None
        try:
            record = json.loads(raw.decode('utf-8'))
        except UnicodeDecodeError:
            raise ValueError('not text (binary content)') from None
        except json.JSONDecodeError as err:
            raise ValueError(f'not valid JSON ({err.msg} at byte {err.pos} of '
                             f'{len(raw)}; truncated?)') from None
        if not isinstance(record, dict):
            raise ValueError(f'JSON {type(record).__name__}, not a record')
        missing = [k for k in ('key', 'metrics') if k not in record]
        if missing or not isinstance(record.get('metrics'), dict):
            raise ValueError(f'a JSON object without {missing or ["metrics"]}')
        return record

    def quarantine(self, path: str, reason: str) -> Optional[str]:
        """Move a damaged cell file aside to ``cells/damaged/`` and warn, naming both."""
        os.makedirs(self.damaged_dir, exist_ok=True)
        target = osp.join(self.damaged_dir,
                          f'{osp.basename(path)}.{time.strftime("%Y%m%d-%H%M%S")}-{os.getpid()}')
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return None  # another run moved it first
        except OSError as err:
            _warn(f'damaged cell file {path} ({reason}) could not be moved aside: '
                  f'{err.strerror or err}')
            return None
        _warn(f'damaged cell file {path} ({reason}); moved to {target}, the cell is '
              'recomputed')
        return target

    def load(self, cell: CellSpec, key: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """Return the stored result if present and current (same key), else None.

        A damaged file is moved aside (see :meth:`quarantine`) and reads as missing.
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
        return record

    def save(self, cell: CellSpec, record: Dict[str, Any]) -> str:
        """Write the record atomically (temporary file of this process, then rename).

        Non-finite numbers are stored as ``null`` (strict JSON) and listed in
        ``nonfinite_values``. A folder in the file's place is moved aside first.
        """
        os.makedirs(self.cell_dir, exist_ok=True)
        path = self.path(cell)
        if osp.isdir(path) and not osp.islink(path):
            self.quarantine(path, 'a folder, not a file')
        nonfinite: List[str] = []
        clean = json_safe({k: v for k, v in record.items() if k != 'nonfinite_values'},
                          nonfinite=nonfinite)
        clean['nonfinite_values'] = nonfinite
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
                    yield self.read_record(path)
                except ValueError as err:
                    self.skipped.append((name, str(err)))
                    _warn(f'skipped damaged cell file {path} ({err}); run tools/benchmark.py '
                          'to move it aside and recompute it')

    def clean_temporaries(self) -> List[str]:
        """Remove temporary files left by dead writers; returns their names.

        Temporaries of live processes (another run sharing the folder) are kept.
        """
        removed = []
        for folder in (self.cell_dir, osp.join(self.root, '.cache')):
            if not osp.isdir(folder):
                continue
            for name in os.listdir(folder):
                if is_dead_writers_temp(name):
                    try:
                        os.remove(osp.join(folder, name))
                    except FileNotFoundError:
                        continue
                    removed.append(name)
        return removed


def _warn(message: str) -> None:
    print(f'[store] warning: {message}', file=sys.stderr, flush=True)
