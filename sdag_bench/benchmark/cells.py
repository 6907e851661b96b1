"""Benchmark cells: one (enhancer, dataset, detector) triple = one result file.

A cell's key hashes everything that determines its numbers: the enhancer config and the
content of its checkpoint, the dataset config and split, the detector config and the content of
its checkpoint, the run settings that change numbers (extra metrics, cost settings, seed, batch
size), the content of the annotation files and the image set (see ``run/cell_inputs.py``), and the
harness version. A stored result whose key differs is stale and is recomputed; a matching one
is reused (the store: ``store/result_store.py``).
"""
import copy
import hashlib
import json
import os.path as osp
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from ..utils.atomic_files import json_safe
from ..utils.file_hashes import file_sha256, sha256_file


@dataclass(frozen=True)
class BoundRows:
    """A benchmark's bound rows, read from its config for every table and plot: no
    enhancement (``lower``, the row every ΔAP is taken against; ``lower_bound`` in the config,
    default 'identity') and the normal-light references (``upper``: the names the config's
    datasets give their ``upper_bound`` rows). Without a config (a table tool given only
    records) the defaults are the names every shipped config uses.

    Args:
        lower (str): The lower bound's row name. Defaults to 'identity'.
        upper (tuple[str, ...]): The upper bounds' row names. Defaults to ('normal_light',).
    """
    lower: str = 'identity'
    upper: Tuple[str, ...] = ('normal_light', )

    @classmethod
    def of(cls, bench_cfg: Any) -> 'BoundRows':
        """The bound rows a benchmark config names.

        Args:
            bench_cfg (Config | dict): A benchmark config (``datasets``, optional
                ``lower_bound``).

        Returns:
            BoundRows: Its bound rows.
        """
        upper = {entry['upper_bound']['name'] for entry in bench_cfg.get('datasets', {}).values()
                 if isinstance(entry, dict) and entry.get('upper_bound')}
        return cls(bench_cfg.get('lower_bound', cls.lower), tuple(sorted(upper)))

    def role(self, enhancer: str) -> int:
        """Where a row sorts among a group's rows: upper bounds 0, enhancers 1, the lower 2."""
        return 0 if enhancer in self.upper else 2 if enhancer == self.lower else 1


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
    return copy.deepcopy(_load_config(osp.abspath(path), sha256_file(path)))


def config_text(path: str) -> str:
    """A canonical text of a config (``_base_`` files merged in): sorted JSON, for cell keys."""
    return _config_text(osp.abspath(path), sha256_file(path))


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
