"""Overrides of a benchmark's dataset configs from the command line (``--data-root``,
``--cfg-options``), so that data living elsewhere needs no copied config.

The overrides travel in :attr:`DatasetSpec.cfg_options`; they are part of the cell key (a cell
computed on other data is never reused) and every place that builds a cell's data loader reads
the dataset config through :func:`load_dataset_config`.
"""
import json
import os.path as osp
from typing import Any, Dict, Optional

from mmengine.config import Config

from ..cells import load_config

#: Where a dataset config keeps the test set (mmengine / mmdet layout).
DATASET_KEY = 'test_dataloader.dataset'


def load_dataset_config(config: str, cfg_options: Optional[Dict[str, Any]] = None) -> Config:
    """A dataset config with dotted-key overrides merged in (mmengine ``merge_from_dict``).

    Args:
        config (str): Dataset config file (defines ``test_dataloader`` and ``test_evaluator``).
        cfg_options (dict, optional): Dotted key -> value, e.g.
            ``{'test_dataloader.dataset.data_root': '/data/exdark/'}``. Defaults to None.

    Returns:
        Config: A private copy with the overrides applied.
    """
    cfg = load_config(config)
    if cfg_options:
        cfg.merge_from_dict(dict(cfg_options))
    return cfg


def _rebase(ann_file: Any, old_root: str, new_root: str) -> Any:
    """``ann_file`` moved from ``old_root`` to ``new_root`` if it lies under the old root."""
    if isinstance(ann_file, str) and old_root and ann_file.startswith(old_root):
        return osp.join(new_root, ann_file[len(old_root):].lstrip('/'))
    return ann_file


def data_root_options(config: str, data_root: str) -> Dict[str, Any]:
    """The overrides that move a dataset config's test set to another root.

    Sets ``test_dataloader.dataset.data_root``; an evaluator whose ``ann_file`` lies under the
    config's old root (e.g. ``CocoMetric``) is moved along, so the metric reads the same json as
    the dataset.

    Args:
        config (str): Dataset config file.
        data_root (str): The new root (folder holding the images and ``annotations/``).

    Returns:
        dict: Dotted key -> value, for :func:`load_dataset_config`.

    Raises:
        ValueError: The config has no ``test_dataloader.dataset.data_root`` to move.
    """
    cfg = load_config(config)
    old_root = cfg.get('test_dataloader', {}).get('dataset', {}).get('data_root')
    if old_root is None:
        raise ValueError(f'{config}: --data-root needs test_dataloader.dataset.data_root in '
                         'the dataset config; use --cfg-options to set its paths')
    new_root = osp.join(data_root, '')  # mmengine joins data_root and relative paths
    options: Dict[str, Any] = {f'{DATASET_KEY}.data_root': new_root}
    evaluator = cfg.get('test_evaluator')
    if isinstance(evaluator, dict):
        moved = _rebase(evaluator.get('ann_file'), old_root, new_root)
        if moved != evaluator.get('ann_file'):
            options['test_evaluator.ann_file'] = moved
    elif isinstance(evaluator, (list, tuple)):
        moved_all = [dict(e, ann_file=_rebase(e['ann_file'], old_root, new_root))
                     if 'ann_file' in e else dict(e) for e in evaluator]
        if moved_all != [dict(e) for e in evaluator]:
            options['test_evaluator'] = moved_all
    return options


def dataset_cfg_options(config: str, name: str, config_options: Optional[Dict] = None,
                        data_root: Optional[str] = None,
                        cfg_options: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """All overrides of one dataset, checked: the benchmark config's, then ``--data-root``,
    then ``--cfg-options`` (later ones win).

    Args:
        config (str): Dataset config file.
        name (str): Dataset name in the benchmark (for messages).
        config_options (dict, optional): ``cfg_options`` of the benchmark config's entry.
        data_root (str, optional): ``--data-root``.
        cfg_options (dict, optional): ``--cfg-options``.

    Returns:
        dict: Dotted key -> value (empty when nothing is overridden).

    Raises:
        KeyError: An override names a top-level key the dataset config does not have.
        FileNotFoundError: With overrides, the annotation file of the test set is missing.
    """
    options: Dict[str, Any] = dict(config_options or {})
    if data_root:
        options.update(data_root_options(config, data_root))
    options.update(cfg_options or {})
    if not options:
        return options
    known = load_config(config)
    unknown = sorted({k.split('.')[0] for k in options} - set(known.keys()))
    if unknown:
        raise KeyError(f'dataset {name} ({config}): no top-level key {", ".join(unknown)} to '
                       'override (--cfg-options KEY=VALUE sets keys of the dataset config, '
                       'e.g. test_dataloader.dataset.ann_file=...)')
    _check_annotation_file(load_dataset_config(config, options), name, config)
    return options


def _check_annotation_file(cfg: Config, name: str, config: str) -> None:
    """Fail early, naming the file, when the overridden test set's json does not exist."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    ann_file = dataset.get('ann_file')
    if not isinstance(ann_file, str) or not ann_file:
        return
    path = ann_file if osp.isabs(ann_file) else osp.join(dataset.get('data_root') or '',
                                                         ann_file)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'dataset {name} ({config}): annotation file {path} not found; convert the dataset '
            'first (data_tools/exdark_to_coco.py or darkface_to_coco.py --out '
            '<data root>/annotations) or point --data-root / '
            'test_dataloader.dataset.ann_file at it')


def split_label(config: str, cfg_options: Dict[str, Any], default: str) -> str:
    """The split a cell tests, for its record and the leaderboard.

    Without overrides, the benchmark config's label. With them (another root or json), the
    label is read from the json's ``info`` that the converters write (``split``, ``seed``,
    ``subset``: e.g. ``official val``, ``8020 seed0 test``), so it names what was tested.

    Args:
        config (str): Dataset config file.
        cfg_options (dict): The dataset's overrides.
        default (str): The benchmark config's label.

    Returns:
        str: The label.
    """
    if not cfg_options:
        return default
    dataset = load_dataset_config(config, cfg_options).test_dataloader.dataset
    ann_file = dataset.get('ann_file')
    if not isinstance(ann_file, str):
        return default
    path = ann_file if osp.isabs(ann_file) else osp.join(dataset.get('data_root') or '',
                                                         ann_file)
    try:
        with open(path) as f:
            info = json.load(f).get('info') or {}
    except (OSError, ValueError):
        return default
    if not info.get('split') or not info.get('subset'):
        return default
    seed = f' seed{info["seed"]}' if info.get('seed') is not None else ''
    return f'{info["split"]}{seed} {info["subset"]}'
