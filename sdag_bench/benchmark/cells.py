"""Benchmark cells: one (enhancer, dataset, detector) triple = one result file.

A cell's key hashes everything that determines its numbers: the enhancer config and the
content of its checkpoint, the dataset config and split, the detector config and the content of
its checkpoint, and the harness version. A stored result whose key differs is stale and is
recomputed; a matching one is reused.
"""
import copy
import hashlib
import json
import os
import os.path as osp
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional

#: Bump when a change in the harness changes the numbers it produces.
HARNESS_VERSION = 2  # 2: enhancer runs per image on CPU; keys over sorted JSON configs


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

    def key_material(self) -> Dict[str, Any]:
        """Everything the cell's numbers depend on (configs are hashed by content)."""
        return dict(
            harness=HARNESS_VERSION,
            enhancer=config_text(self.enhancer.config),
            enhancer_checkpoint=file_sha256(self.enhancer.checkpoint),
            dataset_overrides=json.dumps(self.enhancer.dataset_overrides, sort_keys=True),
            dataset=config_text(self.dataset.config),
            split=self.dataset.split,
            detector=config_text(self.detector.config),
            detector_checkpoint=file_sha256(self.detector.checkpoint),
        )

    def key(self) -> str:
        """Hex key of the cell (sha1 over :meth:`key_material`)."""
        material = json.dumps(self.key_material(), sort_keys=True)
        return hashlib.sha1(material.encode()).hexdigest()[:16]

    def describe(self) -> Dict[str, Any]:
        return dict(enhancer=asdict(self.enhancer), dataset=asdict(self.dataset),
                    detector=asdict(self.detector))


class ResultStore:
    """One JSON file per cell under ``<root>/cells/``, written atomically.

    Args:
        root (str): The benchmark's result folder (e.g. ``results/demo``).
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.cell_dir = osp.join(root, 'cells')

    def path(self, cell: CellSpec) -> str:
        return osp.join(self.cell_dir, f'{cell.name}.json')

    def load(self, cell: CellSpec, key: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """Return the stored result if present and current (same key), else None."""
        path = self.path(cell)
        if not osp.isfile(path):
            return None
        try:
            with open(path) as f:
                record = json.load(f)
        except (OSError, json.JSONDecodeError):
            return None  # unreadable: recompute (atomic writes make this rare)
        if key is not None and record.get('key') != key:
            return None
        return record

    def save(self, cell: CellSpec, record: Dict[str, Any]) -> str:
        """Write the record atomically (temporary file in the same folder, then rename)."""
        os.makedirs(self.cell_dir, exist_ok=True)
        path = self.path(cell)
        fd, tmp = tempfile.mkstemp(dir=self.cell_dir, prefix='.tmp-', suffix='.json')
        try:
            with os.fdopen(fd, 'w') as f:
                json.dump(record, f, indent=1, sort_keys=True, allow_nan=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            if osp.exists(tmp):
                os.remove(tmp)
        return path

    def records(self) -> Iterator[Dict[str, Any]]:
        """Every stored record, in file-name order."""
        if not osp.isdir(self.cell_dir):
            return
        for name in sorted(os.listdir(self.cell_dir)):
            if name.endswith('.json') and not name.startswith('.'):
                with open(osp.join(self.cell_dir, name)) as f:
                    yield json.load(f)

    def clean_temporaries(self) -> List[str]:
        """Remove temporary files a killed run may have left; returns their names."""
        removed = []
        if osp.isdir(self.cell_dir):
            for name in os.listdir(self.cell_dir):
                if name.startswith('.tmp-'):
                    os.remove(osp.join(self.cell_dir, name))
                    removed.append(name)
        return removed
