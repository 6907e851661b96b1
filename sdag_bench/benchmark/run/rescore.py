"""Recompute a finished cell's metrics from its stored predictions, without the detector.

The ground truth comes from the cell's dataset (its annotation file; the record keeps its
sha256, checked here), the predictions from ``<cell>.predictions.npz`` (see
``predictions.py``; read only if it is the file the record was written with). Detection
metrics run through the same evaluators as the benchmark
(the dataset config's ``test_evaluator`` plus the run's non-image extra metrics); image-quality
means are recomputed from the per-image values.
"""
import contextlib
import copy
import io
import math
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

from ..cells import file_sha256
from .cell_inputs import dataset_config_with_options, path_in_data_root, cell_dataset_cfg
from ..store.predictions import load_bound_predictions, per_image


class RescoreError(ValueError):
    """A cell cannot be rescored; the message names the file and the reason."""


def ground_truth_by_image(dataset) -> Dict[int, Dict[str, Any]]:
    """Per image id: ``gt_instances``, ``ignored_instances`` and raw ``instances``."""
    out = {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        instances = info.get('instances', [])
        keep = [i for i in instances if not i.get('ignore_flag', 0)]
        ignored = [i for i in instances if i.get('ignore_flag', 0)]

        def boxes(items):
            return dict(bboxes=torch.tensor([i['bbox'] for i in items],
                                            dtype=torch.float32).reshape(-1, 4),
                        labels=torch.tensor([i['bbox_label'] for i in items],
                                            dtype=torch.int64))

        out[int(info['img_id'])] = dict(gt_instances=boxes(keep),
                                        ignored_instances=boxes(ignored),
                                        instances=instances,
                                        ori_shape=(info.get('height'), info.get('width')))
    return out


def _is_image_only(metric_cfg: dict) -> bool:
    from sdag_bench.registry import METRICS
    cls = METRICS.get(metric_cfg['type']) if isinstance(metric_cfg['type'], str) \
        else metric_cfg['type']
    return bool(getattr(cls, 'image_only', False))


def rescore_record(record: Dict[str, Any],
                   predictions_path: str) -> Tuple[Dict[str, Any], List[str]]:
    """Metrics of a cell recomputed from its predictions file.

    Args:
        record (dict): The cell's stored record.
        predictions_path (str): Its ``.predictions.npz``.

    Returns:
        tuple[dict, list[str]]: Canonical metrics, and notes (e.g. a changed annotation file).

    Raises:
        RescoreError: Missing or mismatching predictions file.
    """
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DATASETS

    from sdag_bench.metrics.canonical import canonical_metrics
    if not osp.isfile(predictions_path):
        raise RescoreError(f'{predictions_path} not found: the cell was computed without '
                           'stored predictions; recompute it with tools/benchmark.py --force')
    try:
        arrays = load_bound_predictions(record, predictions_path)
    except ValueError as err:
        raise RescoreError(str(err)) from None
    cell = record['cell']
    options = cell['dataset'].get('cfg_options') or None
    dataset_cfg = cell_dataset_cfg(cell['dataset']['config'],
                                   cell['enhancer'].get('dataset_overrides') or None, options)
    with contextlib.redirect_stdout(io.StringIO()):
        dataset = DATASETS.build(copy.deepcopy(dataset_cfg))
    notes = _annotation_notes(record, dataset, dataset_cfg)
    truth = ground_truth_by_image(dataset)
    evaluator_cfgs = dataset_config_with_options(cell['dataset']['config'],
                                                 options).get('test_evaluator')
    evaluator_cfgs = list(evaluator_cfgs) if isinstance(evaluator_cfgs, (list, tuple)) \
        else [evaluator_cfgs]
    extra = ((record.get('inputs') or {}).get('settings') or {}).get('extra_metrics') or []
    evaluator_cfgs += [m for m in extra if not _is_image_only(m)]
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = Evaluator(copy.deepcopy(evaluator_cfgs))
    evaluator.dataset_meta = dataset.metainfo
    images = per_image(arrays)
    missing = sorted(set(truth) - {i['img_id'] for i in images})
    if missing:
        raise RescoreError(f'{predictions_path}: no predictions for {len(missing)} test images '
                           f'(ids {missing[:5]}...)')
    for image in images:
        gt = truth.get(image['img_id'])
        if gt is None:
            raise RescoreError(f'{predictions_path}: image id {image["img_id"]} is not in the '
                               'test set')
        sample = dict(img_id=image['img_id'],
                      ori_shape=image['ori_shape'] if any(image['ori_shape']) else
                      gt['ori_shape'],
                      pred_instances=dict(bboxes=torch.from_numpy(image['bboxes']),
                                          scores=torch.from_numpy(image['scores']),
                                          labels=torch.from_numpy(image['labels'])),
                      gt_instances=gt['gt_instances'],
                      ignored_instances=gt['ignored_instances'], instances=gt['instances'])
        evaluator.process(data_samples=[sample], data_batch=None)
    with contextlib.redirect_stdout(io.StringIO()):
        raw = evaluator.evaluate(len(images))
    metrics, _ = canonical_metrics(raw, evaluator.metrics)
    for name, values in arrays.items():
        if name.startswith('quality/') and name != 'quality/nonfinite':
            finite = values[np.isfinite(values)]
            key = name.split('/', 1)[1]
            metrics[key] = float(finite.mean()) if len(finite) else math.nan
            metrics[f'{key}_count'] = int(len(finite))
    return metrics, notes


def _annotation_notes(record: Dict[str, Any], dataset, dataset_cfg: dict) -> List[str]:
    """A note when the annotation file changed since the cell was computed."""
    stored = ((record.get('inputs') or {}).get('data') or {}).get('annotations') or {}
    ann = getattr(dataset, 'ann_file', None)
    if not (stored and ann and osp.isfile(ann)):
        return []
    root = getattr(dataset, 'data_root', None) or dataset_cfg.get('data_root') or ''
    name = path_in_data_root(ann, root)
    if name in stored and stored[name] != file_sha256(ann):
        return [f'the annotation file {ann} changed since the cell was computed: the rescored '
                'metrics use the current ground truth']
    return []


def compare(stored: Dict[str, Any], rescored: Dict[str, Any],
            rel_tol: float = 1e-6) -> List[Tuple[str, Optional[float], Optional[float], bool]]:
    """Rows (name, stored, rescored, equal) for every rescored metric that is stored too."""
    rows = []
    for name in sorted(rescored):
        if name not in stored or name.startswith('cost/'):
            continue
        a, b = stored[name], rescored[name]
        a = None if a is None or (isinstance(a, float) and not math.isfinite(a)) else a
        b = None if b is None or (isinstance(b, float) and not math.isfinite(b)) else b
        if a is None or b is None:
            same = a == b
        else:
            same = math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-9)
        rows.append((name, a, b, same))
    return rows


__all__ = ['rescore_record', 'compare', 'RescoreError']
