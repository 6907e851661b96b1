"""What a cell reads from disk besides configs: annotation files and the image set.

The image set is a manifest of every file the test dataset reads (``img_path``, ``ref_path``,
any ``*_path`` of its data infos): name relative to the data root, size and sha256. Hashes are
cached in ``<work-dir>/.cache/file_hashes.json`` by real path, inode, size, mtime and ctime
(``file_hashes.py``), so a run over an unchanged set reads each image once, ever. Building the
dataset also creates the demo set on first use, so the manifest is that of the images the cell
will read.
"""
import contextlib
import copy
import hashlib
import io
import json
import os
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional, Tuple

from mmengine.config import Config

from ..cells import CellSpec, load_config
from ...utils.file_hashes import FileHashCache, file_sha256
from ...utils.atomic_files import json_safe


class DataInputError(ValueError):
    """The test data of a cell cannot be listed or read for its key (names the dataset)."""


def _ann_files(node: Any) -> Iterator[str]:
    """Every ``ann_file`` string in a nested config."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'ann_file' and isinstance(value, str) and value:
                yield value
            else:
                yield from _ann_files(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _ann_files(value)


def cell_dataset_cfg(dataset_config: str, overrides: Optional[Dict[str, Any]] = None,
                     cfg_options: Optional[Dict[str, Any]] = None) -> dict:
    """The ``test_dataloader.dataset`` of a dataset config (with the dataset's dotted-key
    ``cfg_options``) and a row's overrides merged."""
    cfg = dataset_config_with_options(dataset_config, cfg_options)
    dataset = Config(copy.deepcopy(cfg.test_dataloader['dataset']))
    if overrides:
        dataset.merge_from_dict(overrides)
    dataset = dict(dataset.to_dict())
    dataset.setdefault('_scope_', 'sdag_bench')
    return dataset


def _dataset_files(dataset_cfg: dict) -> Tuple[str, List[str], List[str]]:
    """Build the dataset and list its annotation file(s) and every file its items read."""
    from mmengine.registry import DATASETS
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints while indexing
        dataset = DATASETS.build(copy.deepcopy(dataset_cfg))
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    root = getattr(dataset, 'data_root', None) or dataset_cfg.get('data_root') or ''
    anns = [a for a in [getattr(dataset, 'ann_file', None)] if a and osp.isfile(a)]
    files: List[str] = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        for key, value in sorted(info.items()):
            if key.endswith('_path') and isinstance(value, str) and osp.isfile(value):
                files.append(value)
    return root, anns, files


class DataInputs:
    """Digests of the data a cell reads, computed once per (dataset, overrides) and run.

    Args:
        cache_file (str, optional): Where file hashes are cached (see :class:`FileHashCache`).
    """

    def __init__(self, cache_file: Optional[str] = None) -> None:
        self.hashes = FileHashCache(cache_file)
        self._memo: Dict[str, Dict[str, Any]] = {}

    def of(self, cell: CellSpec) -> Dict[str, Any]:
        """``annotations`` (path -> sha256, the dataset's and its evaluators'), ``images``
        (digest of the manifest) and ``num_files`` of a cell's test data.

        Args:
            cell (CellSpec): The cell.

        Returns:
            dict: JSON-ready digests (part of the cell key and of its record).
        """
        options = getattr(cell.dataset, 'cfg_options', None)
        dataset_cfg = cell_dataset_cfg(cell.dataset.config, cell.enhancer.dataset_overrides,
                                       options)
        memo_key = json.dumps(json_safe(dataset_cfg), sort_keys=True, default=str) + \
            cell.dataset.config + json.dumps(options, sort_keys=True, default=str)
        if memo_key not in self._memo:
            evaluator = dataset_config_with_options(cell.dataset.config,
                                                    options).get('test_evaluator')
            try:
                self._memo[memo_key] = self._compute(dataset_cfg, evaluator)
            except (OSError, ValueError, KeyError, RuntimeError) as err:
                where = getattr(err, 'filename', None) or osp.join(
                    str(dataset_cfg.get('data_root') or ''), str(dataset_cfg.get('ann_file', '')))
                raise DataInputError(
                    f'dataset {cell.dataset.name} ({cell.dataset.config}): cannot read its test '
                    f'data ({where}): {err}') from None
        return self._memo[memo_key]

    def _compute(self, dataset_cfg: dict, evaluator: Any) -> Dict[str, Any]:
        root, anns, files = _dataset_files(dataset_cfg)
        anns += [a for a in _ann_files(evaluator) if osp.isfile(a)]
        annotations = {path_in_data_root(a, root): file_sha256(a) for a in sorted(set(anns))}
        manifest = hashlib.sha256()
        for path in sorted(set(files)):
            size, digest = self.hashes.sha256(path)
            manifest.update(f'{path_in_data_root(path, root)}\t{size}\t{digest}\n'.encode())
        self.hashes.save()
        return dict(annotations=annotations, images=manifest.hexdigest(),
                    num_files=len(set(files)))


def dataset_config_with_options(config: str, cfg_options: Optional[Dict[str, Any]] = None):
    """A dataset config with its dotted-key overrides (``DatasetSpec.cfg_options``)."""
    if cfg_options:
        from ..plan.dataset_options import load_dataset_config
        return load_dataset_config(config, cfg_options)
    return load_config(config)


def path_in_data_root(path: str, root: str) -> str:
    """``path`` relative to the data root when inside it (so a moved set keeps its key)."""
    if root:
        rel = osp.relpath(osp.abspath(path), osp.abspath(root))
        if not rel.startswith('..'):
            return rel.replace(os.sep, '/')
    return osp.basename(path)
