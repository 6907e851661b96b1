"""COCO-style mAP (IoU 0.50:0.95, 101 recall points) per bootstrap resample.

Matching is pycocotools' own: ``COCOeval.evaluate()`` (what mmdet's ``CocoMetric`` runs) is run
once on the cell's detections, for the 'all' area range and the top ``max_dets`` detections per
image and category, and its per-image results (``dtMatches``, ``dtIgnore``, ``gtIgnore``) are
kept. A detection's status depends on its own image only, so every bootstrap resample of the
images only reweights it. The weighted accumulation is the project's own, following
``COCOeval.accumulate``: per category all images' detections by descending score (stable, images
by id), precision made monotone, read at 101 recall thresholds; the mean over thresholds, recall
points and categories with ground truth. A resample reweights images, as for VOC
(``bootstrap.py``).
"""
import contextlib
import io
from dataclasses import dataclass
from typing import Any, List, Mapping, Sequence

import numpy as np

IOU_THRS = np.linspace(0.5, 0.95, 10)
REC_THRS = np.linspace(0.0, 1.00, 101)
#: COCOeval's 'all' area range.
ALL_AREAS = [0 ** 2, 1e5 ** 2]


@dataclass
class CocoMatches:
    """Matched detections of one cell for COCO mAP.

    Attributes:
        img_ids (np.ndarray): (M,) image ids.
        num_gts (np.ndarray): (M, C) non-crowd ground-truth boxes per image and category.
        images (list[np.ndarray]): Per category, image index of each kept detection, by
            descending score.
        status (list[np.ndarray]): Per category, (T, D) int8: 1 matched, 0 unmatched, -1
            ignored (matched a crowd box), per IoU threshold.
    """
    img_ids: np.ndarray
    num_gts: np.ndarray
    images: List[np.ndarray]
    status: List[np.ndarray]


def _category_ids(annotations: Mapping[str, Any], classes: Sequence[str]) -> List[int]:
    """The category id of each label (by class name when given, else the json's order)."""
    if not classes:
        return [c['id'] for c in annotations['categories']]
    by_name = {c['name']: c['id'] for c in annotations['categories']}
    missing = [name for name in classes if name not in by_name]
    if missing:
        raise KeyError(f'classes {missing} are not categories of the annotation file')
    return [by_name[name] for name in classes]


def _results(predictions: Mapping[str, np.ndarray], cat_ids: Sequence[int]) -> List[dict]:
    """The detections as a COCO results list (xywh), as mmdet's ``CocoMetric`` writes them;
    labels that are no category of the dataset are left out."""
    out = []
    offsets = predictions['offsets']
    for index, img_id in enumerate(np.asarray(predictions['img_ids']).tolist()):
        lo, hi = int(offsets[index]), int(offsets[index + 1])
        for box, score, label in zip(predictions['bboxes'][lo:hi].tolist(),
                                     predictions['scores'][lo:hi].tolist(),
                                     predictions['labels'][lo:hi].tolist()):
            if 0 <= label < len(cat_ids):
                out.append(dict(image_id=img_id, category_id=cat_ids[label], score=score,
                                bbox=[box[0], box[1], box[2] - box[0], box[3] - box[1]]))
    return out


def _evaluated_images(annotations: Mapping[str, Any], results: List[dict],
                      img_ids: Sequence[int], cat_ids: Sequence[int], max_dets: int) -> list:
    """``COCOeval.evaluate()``'s per-image results, category-major, for the 'all' areas."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    truth = COCO()
    # COCOeval marks the ground truth it reads ('ignore'): it gets copies
    truth.dataset = dict(annotations, annotations=[dict(a) for a in annotations['annotations']])
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        truth.createIndex()
        if results:
            detections = truth.loadRes(results)
        else:  # loadRes cannot take an empty list
            detections = COCO()
            detections.dataset = dict(images=truth.dataset['images'], annotations=[],
                                      categories=truth.dataset['categories'])
            detections.createIndex()
        evaluator = COCOeval(truth, detections, 'bbox')
        evaluator.params.imgIds = sorted(set(img_ids))
        evaluator.params.catIds = list(cat_ids)
        evaluator.params.areaRng, evaluator.params.areaRngLbl = [ALL_AREAS], ['all']
        evaluator.params.maxDets = [max_dets]
        evaluator.evaluate()
    return evaluator.evalImgs


def match_coco(predictions: Mapping[str, np.ndarray], annotations: Mapping[str, Any],
               max_dets: int = 100, classes: Sequence[str] = ()) -> CocoMatches:
    """Match every stored detection to a COCO annotation file's boxes, once, by
    ``COCOeval.evaluate()``.

    Args:
        predictions (Mapping): Arrays of a predictions file; label i is the i-th category of
            ``annotations['categories']`` (the dataset's class order).
        annotations (Mapping): The parsed COCO json (``images``, ``annotations``,
            ``categories``); not modified.
        max_dets (int): Detections kept per image and category. Defaults to 100 (the
            ``bbox_mAP`` of mmdet's ``CocoMetric``).
        classes (Sequence[str]): The dataset's class names: label i is the category named
            ``classes[i]`` (as mmdet's ``CocoMetric``). Default: the json's category order.

    Returns:
        CocoMatches: The matched detections.
    """
    cat_ids = _category_ids(annotations, classes)
    img_ids = np.asarray(predictions['img_ids'])
    row_of = {int(img_id): row for row, img_id in enumerate(img_ids.tolist())}
    evaluated = _evaluated_images(annotations, _results(predictions, cat_ids),
                                  list(row_of), cat_ids, max_dets)
    by_id = sorted(row_of)  # COCOeval's image order: ids sorted
    num_gts = np.zeros((len(img_ids), len(cat_ids)), np.int64)
    images, status = [], []
    for cat in range(len(cat_ids)):
        cat_rows, cat_scores, cat_status = [], [], []
        for position, img_id in enumerate(by_id):
            done = evaluated[cat * len(by_id) + position]
            if done is None:  # no box and no detection of this category
                continue
            num_gts[row_of[img_id], cat] = int((~np.asarray(done['gtIgnore'], bool)).sum())
            if not len(done['dtIds']):
                continue
            matched = np.where(done['dtMatches'] > 0, 1, 0).astype(np.int8)
            cat_status.append(np.where(done['dtIgnore'], -1, matched).astype(np.int8))
            cat_scores.append(np.asarray(done['dtScores'], np.float64))
            cat_rows.append(np.full(len(done['dtIds']), row_of[img_id]))
        if not cat_rows:
            images.append(np.zeros(0, np.int64))
            status.append(np.zeros((len(IOU_THRS), 0), np.int8))
            continue
        order = np.argsort(-np.concatenate(cat_scores), kind='mergesort')  # as accumulate
        images.append(np.concatenate(cat_rows)[order])
        status.append(np.concatenate(cat_status, axis=1)[:, order])
    return CocoMatches(img_ids=img_ids, num_gts=num_gts, images=images, status=status)


def _precision_at_recalls(images: np.ndarray, tp: np.ndarray, weights_t: np.ndarray,
                          num_gts: np.ndarray) -> np.ndarray:
    """(B,) mean over the 101 recall thresholds of the interpolated precision of one
    category at one IoU threshold (COCOeval.accumulate), for every resample."""
    from scipy.sparse import csr_matrix
    num_images, draws = weights_t.shape
    out = np.zeros(draws)
    tp_pos = np.flatnonzero(tp)
    if not len(tp_pos):
        return out
    fp_pos = np.flatnonzero(~tp)
    segment = np.searchsorted(tp_pos, fp_pos)
    keep = segment < len(tp_pos)
    between = csr_matrix((np.ones(int(keep.sum())), (segment[keep], images[fp_pos[keep]])),
                         shape=(len(tp_pos), num_images))
    w_tp = weights_t[images[tp_pos]]  # (T, B)
    cum_tp = np.cumsum(w_tp, axis=0)
    cum_fp = np.cumsum(between @ weights_t, axis=0)
    precision = cum_tp / np.maximum(cum_tp + cum_fp, 1)
    envelope = np.maximum.accumulate(precision[::-1], axis=0)[::-1].T  # (B, T)
    with np.errstate(invalid='ignore', divide='ignore'):
        recall = (cum_tp / num_gts[None]).T  # (B, T), nondecreasing per row
    # recall threshold r reads the envelope at the first position whose recall reaches it:
    # position t takes the thresholds in (recall[t - 1], recall[t]], counted exactly as float
    # comparisons by searching the thresholds
    reached = np.searchsorted(REC_THRS, recall, side='right')  # (B, T) thresholds <= recall
    taken = np.diff(reached, axis=1, prepend=0)
    return (envelope * taken).sum(1) / len(REC_THRS)


def coco_map_draws(matches: CocoMatches, weights: np.ndarray,
                   iou_thrs: Sequence[int] = tuple(range(len(IOU_THRS)))) -> np.ndarray:
    """COCO ``bbox_mAP`` of each resample (``bbox_mAP_50`` with ``iou_thrs=(0,)``).

    Args:
        matches (CocoMatches): From :func:`match_coco`.
        weights (np.ndarray): (B, M) image counts in the predictions file's image order.
        iou_thrs (Sequence[int]): Indices into :data:`IOU_THRS` averaged. Defaults to all.

    Returns:
        np.ndarray: (B,) mean over IoU thresholds, recall points and categories with
        ground truth in that resample (-1 when none has, as COCOeval).
    """
    weights = np.atleast_2d(weights)
    num_gts = weights.astype(np.int64) @ matches.num_gts  # (B, C)
    weights_t = np.ascontiguousarray(weights.T, dtype=np.float64)
    total = np.zeros(weights.shape[0])
    for cat, (images, status) in enumerate(zip(matches.images, matches.status)):
        gts = num_gts[:, cat]
        for t in iou_thrs:
            counted = status[t] >= 0
            per = _precision_at_recalls(images[counted], status[t][counted] == 1, weights_t,
                                        np.maximum(gts, 1))
            total += np.where(gts > 0, per, 0.0)
    categories = (num_gts > 0).sum(1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(categories > 0, total / (len(iou_thrs) * categories), -1.0)


__all__: Sequence[str] = ('CocoMatches', 'match_coco', 'coco_map_draws')
