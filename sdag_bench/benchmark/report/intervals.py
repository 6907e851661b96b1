"""Bootstrap intervals and paired tests for stored cells, from their per-image predictions.

For every cell with a ``<cell>.predictions.npz`` (``predictions.py``; read only when its sha256 is
the one the record was written with, so a stale or swapped file gives no intervals, and a note,
rather than another cell's): its detections are matched
to the ground truth once (``sdag_bench.stats.match_voc``: the cell's VOC protocol, area mode,
IoU 0.5, the +1 px legacy convention of ``ClasswiseVOCMetric``), then the test images are
resampled with replacement ``draws`` times (seeded; every cell of one image set gets the same
resamples, so any two rows are paired) and AP50, each class's AP50, COCO's mAP (IoU
0.50:0.95, ``sdag_bench.stats.coco_matching``, when the cell has one and its test set a COCO
json), the mean of each per-image quality value (NIQE, PSNR, SSIM) and the confident
detections of unlabelled photos (``faces``) are recomputed per resample. Reported: the 95 %
percentile interval of each; for a row against the ``identity`` row (and a ``*_sdag`` row
against its plain ``base``) the interval of the paired difference and a two-sided p-value.
"""
import contextlib
import copy
import io
import json
import math
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from sdag_bench.metrics.metric_info import COUNTED, METRIC_INFO, counted_names
from sdag_bench.utils.file_hashes import file_sha256
from sdag_bench.stats import (VocMatches, bootstrap_weights, match_voc, paired_difference,
                              voc_ap_draws, weighted_mean_draws)

#: Leaderboard column (its title from METRIC_INFO) -> canonical metric bootstrapped for it.
INTERVAL_COLUMNS = {METRIC_INFO[name].label: name for name in (
    'AP50', 'mAP', 'niqe', 'psnr', 'ssim', 'detections', 'detections_per_image', 'faces',
    'faces_per_image')}
QUALITY_METRICS = ('niqe', 'psnr', 'ssim')
#: Score from which a detection counts as confident (label-free score ``confident_per_image``).
CONFIDENT_SCORE = 0.5


class CellDraws:
    """One cell's metrics on the test set (``points``) and on each resample (``draws``).

    Attributes:
        key (tuple): (enhancer, dataset, detector).
        img_ids (tuple): The image ids the resamples index (pairing needs equal ones).
        points (dict[str, float]): Canonical name -> value on the test set.
        draws (dict[str, np.ndarray]): Canonical name -> (B,) values on the resamples.
    """

    def __init__(self, key: Tuple[str, str, str], img_ids: Tuple[int, ...]) -> None:
        self.key = key
        self.img_ids = img_ids
        self.points: Dict[str, float] = {}
        self.draws: Dict[str, np.ndarray] = {}


def predictions_path(record: Dict[str, Any], cell_dir: str) -> Optional[str]:
    """The cell's stored predictions file, None when it has none."""
    info = record.get('predictions') or {}
    name = info.get('file')
    path = osp.join(cell_dir, name) if name else None
    return path if path and osp.isfile(path) else None


_TRUTH_CACHE: Dict[str, Tuple[Dict[int, Dict[str, np.ndarray]], List[str]]] = {}


def _ground_truth(record: Dict[str, Any]
                  ) -> Tuple[str, Dict[int, Dict[str, np.ndarray]], List[str]]:
    """The cache key of a cell's ground truth (its dataset config, options and overrides, and
    the annotation file's content: an edited file is read again), the ground truth and the
    class names, read once per process and key."""
    from mmengine.registry import DATASETS

    from ..run.cell_inputs import cell_dataset_cfg
    from ..run.rescore import ground_truth_by_image
    cell = record['cell']
    options = cell['dataset'].get('cfg_options') or None
    overrides = cell['enhancer'].get('dataset_overrides') or None
    dataset_cfg = cell_dataset_cfg(cell['dataset']['config'], overrides, options)
    ann_file = osp.join(dataset_cfg.get('data_root') or '', dataset_cfg.get('ann_file') or '')
    cache_key = json.dumps([cell['dataset']['config'], overrides, options,
                            file_sha256(ann_file) if osp.isfile(ann_file) else None],
                           sort_keys=True, default=str)
    if cache_key not in _TRUTH_CACHE:
        with contextlib.redirect_stdout(io.StringIO()):
            dataset = DATASETS.build(copy.deepcopy(dataset_cfg))
        truth = {}
        for img_id, gt in ground_truth_by_image(dataset).items():
            truth[img_id] = dict(
                bboxes=gt['gt_instances']['bboxes'].numpy(),
                labels=gt['gt_instances']['labels'].numpy(),
                bboxes_ignore=gt['ignored_instances']['bboxes'].numpy(),
                labels_ignore=gt['ignored_instances']['labels'].numpy())
        _TRUTH_CACHE[cache_key] = (truth, list(dataset.metainfo['classes']))
    return (cache_key, *_TRUTH_CACHE[cache_key])


def cell_ground_truth(record: Dict[str, Any]) -> Tuple[Dict[int, Dict[str, np.ndarray]],
                                                       List[str]]:
    """Ground truth of a cell's test set (from its dataset config, as ``tools/rescore.py``).

    Returns:
        tuple[dict, list[str]]: Per image id ``bboxes``, ``labels``, ``bboxes_ignore``,
        ``labels_ignore`` (numpy), and the class names.
    """
    _, truth, classes = _ground_truth(record)
    return truth, classes


_MATCH_CACHE: Dict[Tuple[str, str], VocMatches] = {}


def cell_voc_matches(record: Dict[str, Any], arrays: Dict[str, np.ndarray]
                     ) -> Tuple[VocMatches, Dict[int, Dict[str, np.ndarray]], List[str]]:
    """A cell's detections matched to its ground truth (``match_voc``), once per process: the
    interval and the per-light reports read the same matches.

    Args:
        record (dict): The cell record.
        arrays (dict): Its predictions, loaded bound to the record (``load_bound_predictions``
            refuses a record without ``predictions.sha256`` and a file of another digest), so
            that digest names them.

    Returns:
        tuple: The matches, the ground truth per image id and the class names
        (:func:`cell_ground_truth`).
    """
    truth_key, truth, classes = _ground_truth(record)
    key = (record['predictions']['sha256'], truth_key)
    if key not in _MATCH_CACHE:
        _MATCH_CACHE[key] = match_voc(arrays, truth, len(classes), classes=classes)
    return _MATCH_CACHE[key], truth, classes


def _voc_protocol(record: Dict[str, Any]) -> Optional[str]:
    """Why the record's AP50 cannot be bootstrapped here, None when it can."""
    protocol = record.get('protocol') or {}
    if protocol.get('eval_mode') not in (None, 'area'):
        return f"AP50 is VOC {protocol['eval_mode']}: only area-mode AP is resampled"
    if protocol and protocol.get('eval_mode') is None and protocol.get('iou') is not None:
        return 'AP50 is COCO 101-point (no VOC metric): resampled from the COCO json'
    return None


def cell_draws(record: Dict[str, Any], path: str, draws: int = 1000, seed: int = 0,
               weights_cache: Optional[Dict[Tuple[int, ...], np.ndarray]] = None
               ) -> Tuple[CellDraws, List[str]]:
    """Bootstrap one cell from its predictions file.

    Args:
        record (dict): The cell record.
        path (str): Its predictions file (checked against the record's sha256).
        draws (int): Resamples. Defaults to 1000.
        seed (int): Resampling seed. Defaults to 0.
        weights_cache (dict, optional): Image-id tuple -> resample counts, shared between
            cells so that rows on the same images are paired.

    Returns:
        tuple[CellDraws, list[str]]: The draws, and notes (metrics not resampled and why).
    """
    from ..store.predictions import load_bound_predictions
    cell = record['cell']
    arrays = load_bound_predictions(record, path)
    img_ids = tuple(int(i) for i in arrays['img_ids'])
    cache = weights_cache if weights_cache is not None else {}
    if img_ids not in cache:
        cache[img_ids] = bootstrap_weights(len(img_ids), draws, seed)
    weights = cache[img_ids]
    name = f"{cell['enhancer']['name']} / {cell['dataset']['name']} / {cell['detector']['name']}"
    out = CellDraws((cell['enhancer']['name'], cell['dataset']['name'],
                     cell['detector']['name']), img_ids)
    notes = []
    reason = _voc_protocol(record)
    if reason is None and 'AP50' in (record.get('metrics') or {}):
        matches, truth, classes = cell_voc_matches(record, arrays)
        if matches.dropped_labels:
            notes.append(f'{name}: {matches.dropped_labels} detections with a label outside the '
                         f'{len(classes)} classes are not counted (as VOCMetric)')
        ones = np.ones((1, len(img_ids)), np.int32)
        (point,), (point_cls,) = voc_ap_draws(matches, ones)
        mean, per_class = voc_ap_draws(matches, weights)
        out.points['AP50'], out.draws['AP50'] = float(point), mean
        for index, cls in enumerate(classes):
            out.points[f'AP50/{cls}'] = float(point_cls[index])
            out.draws[f'AP50/{cls}'] = per_class[:, index]
        stored = record['metrics'].get('AP50')
        if stored is not None and abs(stored - point) > 1e-4:
            notes.append(f'{name}: AP50 from the predictions {point:.4f} differs from the stored '
                         f"{stored:.4f} (another evaluator's AP50 was stored, the ground truth "
                         'changed, or scores tie); the intervals are those of the VOC AP50 from '
                         'the predictions')
    elif reason and not _coco_ap50(record):
        notes.append(f'{name}: {reason}')
    metrics = record.get('metrics') or {}
    if 'mAP' in metrics or ('AP50' in metrics and _coco_ap50(record)):
        _coco_draws(record, arrays, weights, out, notes, name)
    for counts in COUNTED:
        if counts in metrics:
            _confident_draws(record, arrays, weights, out, notes, name, counts)
    _label_free_draws(arrays, weights, out)
    for key in arrays:
        if key.startswith('quality/') and key.split('/', 1)[1] in QUALITY_METRICS:
            metric = key.split('/', 1)[1]
            values = arrays[key]
            finite = values[np.isfinite(values)]
            out.points[metric] = float(finite.mean()) if len(finite) else math.nan
            out.draws[metric] = weighted_mean_draws(values, weights)
    return out, notes


_JSON_CACHE: Dict[str, Any] = {}


def _coco_draws(record: Dict[str, Any], arrays: Dict[str, np.ndarray], weights: np.ndarray,
                out: CellDraws, notes: List[str], name: str) -> None:
    """Add COCO mAP (point and draws) from the test set's COCO json, or a note why not."""
    from sdag_bench.stats.coco_matching import coco_map_draws, match_coco
    ann_file = (record.get('protocol') or {}).get('ann_file')
    if not (ann_file and str(ann_file).endswith('.json') and osp.isfile(ann_file)):
        notes.append(f'{name}: mAP not resampled (no COCO annotation file {ann_file})')
        return
    if ann_file not in _JSON_CACHE:
        with open(ann_file) as f:
            _JSON_CACHE[ann_file] = json.load(f)
    _, classes = cell_ground_truth(record)
    matches = match_coco(arrays, _JSON_CACHE[ann_file], classes=classes)
    ones = np.ones((1, len(out.img_ids)), np.int32)
    wanted = [('mAP', tuple(range(10)))] if 'mAP' in record['metrics'] else []
    if _coco_ap50(record):
        wanted.append(('AP50', (0,)))  # COCO's 101-point AP at IoU 0.5
    for metric, thrs in wanted:
        point = float(coco_map_draws(matches, ones, thrs)[0])
        out.points[metric], out.draws[metric] = point, coco_map_draws(matches, weights, thrs)
        stored = record['metrics'].get(metric)
        if stored is not None and abs(stored - point) > 5e-4 + 1e-9:  # mmdet: 3 digits
            notes.append(f'{name}: {metric} from the predictions {point:.4f} differs from the '
                         f'stored {stored:.3f}; the intervals are those of the former')


def _confident_draws(record: Dict[str, Any], arrays: Dict[str, np.ndarray],
                     weights: np.ndarray, out: CellDraws, notes: List[str], name: str,
                     counts: str) -> None:
    """Confident detections (e.g. ``detections``: total, ``detections_per_image``: mean; or
    ``faces``) per resample, from the stored scores and the threshold the record's protocol
    names; only when that reproduces the stored count (the metric may also filter labels, which
    the record does not keep)."""
    total, per_image, _ = counted_names(counts)
    protocol_metric = (record.get('protocol') or {}).get('metric', '')
    match = re.search(r'score >= ([0-9.eE+-]+)', str(protocol_metric))
    if not match:
        notes.append(f'{name}: {total} not resampled (no score threshold in the protocol)')
        return
    offsets = arrays['offsets']
    image_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    confident = np.bincount(image_of[arrays['scores'] >= float(match.group(1))],
                            minlength=len(offsets) - 1).astype(np.float64)
    if abs(confident.sum() - float(record['metrics'][total])) > 0.5:
        notes.append(f'{name}: {total} not resampled ({int(confident.sum())} detections reach '
                     f"the threshold, the record counts {record['metrics'][total]})")
        return
    out.points[total] = float(confident.sum())
    out.draws[total] = weights @ confident
    out.points[per_image] = float(confident.mean())
    out.draws[per_image] = out.draws[total] / len(confident)


def _label_free_draws(arrays: Dict[str, np.ndarray], weights: np.ndarray,
                      out: CellDraws) -> None:
    """Scores a detector gives without labels, per image, from the stored predictions:
    ``confident_per_image`` (detections with score >= :data:`CONFIDENT_SCORE`) and
    ``top_confidence`` (its highest score, 0 without detections); means and their draws."""
    offsets = arrays['offsets']
    counts = np.diff(offsets)
    image_of = np.repeat(np.arange(len(counts)), counts)
    scores = arrays['scores'].astype(np.float64)
    confident = np.bincount(image_of[scores >= CONFIDENT_SCORE],
                            minlength=len(counts)).astype(np.float64)
    top = np.zeros(len(counts))
    np.maximum.at(top, image_of, scores)
    for name, values in (('confident_per_image', confident), ('top_confidence', top)):
        out.points[name] = float(values.mean()) if len(values) else math.nan
        out.draws[name] = weighted_mean_draws(values, weights)


def _coco_ap50(record: Dict[str, Any]) -> bool:
    """Whether the cell's AP50 is COCO's (a COCO metric and no VOC metric)."""
    protocol = record.get('protocol') or {}
    return 'COCO 101-point' in str(protocol.get('metric', ''))


def compute_draws(records: Sequence[Dict[str, Any]], cell_dirs: Sequence[str],
                  draws: int = 1000, seed: int = 0
                  ) -> Tuple[Dict[Tuple[str, str, str], CellDraws], List[str]]:
    """Bootstrap every record that has stored predictions.

    Args:
        records (Sequence[dict]): Cell records.
        cell_dirs (Sequence[str]): Folders their predictions files may be in (``cells/``).
        draws (int): Resamples. Defaults to 1000.
        seed (int): Resampling seed. Defaults to 0.

    Returns:
        tuple[dict, list[str]]: (enhancer, dataset, detector) -> :class:`CellDraws`, and notes
        (cells without predictions are counted and named).
    """
    from ..store.predictions import binding_problem
    out, notes, missing = {}, [], []
    weights_cache: Dict[Tuple[int, ...], np.ndarray] = {}
    for record in records:
        cell = record['cell']
        found = [p for p in (predictions_path(record, d) for d in cell_dirs) if p]
        # the record's own file where several folders hold one of that name
        path = next((p for p in found if binding_problem(record, p) is None),
                    found[0] if found else None)
        if path is None:
            missing.append(cell['enhancer']['name'])
            continue
        try:
            result, cell_notes = cell_draws(record, path, draws, seed, weights_cache)
        except (ValueError, KeyError) as err:
            notes.append(f"{cell['enhancer']['name']}: no intervals ({err.args[0]})")
            continue
        out[result.key] = result
        notes += cell_notes
    if missing:
        notes.append(f'{len(missing)} of {len(records)} cells have no stored predictions, so no '
                     f'intervals: {", ".join(sorted(missing))} (recompute them with '
                     'tools/benchmark.py --force)')
    return out, notes


def compare_rows(a: CellDraws, b: CellDraws, metric: str,
                 level: float = 0.95) -> Optional[Dict[str, float]]:
    """Paired difference ``a - b`` of one metric; None when not comparable (other images or
    the metric missing in one)."""
    if a.img_ids != b.img_ids or metric not in a.draws or metric not in b.draws:
        return None
    return paired_difference(a.draws[metric], b.draws[metric], a.points[metric],
                             b.points[metric], level)
