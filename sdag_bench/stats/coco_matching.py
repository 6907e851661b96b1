"""COCO-style mAP (IoU 0.50:0.95, 101 recall points) per bootstrap resample.

Matching follows ``pycocotools.cocoeval.COCOeval.evaluateImg`` (what mmdet's ``CocoMetric``
runs), once per image and category: detections by descending score (stable), the top
``max_dets`` kept, ground truth with crowd boxes last; at each IoU threshold a detection takes the
best-overlapping ground-truth box not yet taken (crowd boxes may be taken again, IoU over the
detection's area) and stops preferring crowd boxes once it holds a regular one; a detection
matched to a crowd box is ignored. Accumulation follows ``COCOeval.accumulate``: per category
all images' detections by descending score (stable, images by id), precision made monotone, read
at 101 recall thresholds; the mean over thresholds, recall points and categories with ground
truth. A resample reweights images, as for VOC (``bootstrap.py``).
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence

import numpy as np

IOU_THRS = np.linspace(0.5, 0.95, 10)
REC_THRS = np.linspace(0.0, 1.00, 101)


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


def _ious(det: np.ndarray, gt: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """pycocotools' bbox IoU (xywh, float64; over the detection's area for crowd boxes)."""
    dx2, dy2 = det[:, 0] + det[:, 2], det[:, 1] + det[:, 3]
    gx2, gy2 = gt[:, 0] + gt[:, 2], gt[:, 1] + gt[:, 3]
    w = np.minimum(dx2[:, None], gx2[None]) - np.maximum(det[:, None, 0], gt[None, :, 0])
    h = np.minimum(dy2[:, None], gy2[None]) - np.maximum(det[:, None, 1], gt[None, :, 1])
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    det_area = (det[:, 2] * det[:, 3])[:, None]
    union = np.where(crowd[None], det_area, det_area + (gt[:, 2] * gt[:, 3])[None] - inter)
    return inter / union


def _match(ious: np.ndarray, ignored: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """(T, D) status of the detections (rows of ``ious``, by score) at every threshold."""
    num_dets, num_gts = ious.shape
    status = np.zeros((len(IOU_THRS), num_dets), np.int8)
    # a detection overlapping no box by IoU_THRS[0] matches nothing and takes nothing
    hits = np.flatnonzero((ious >= IOU_THRS[0]).any(1)) if num_gts else []
    for t, thr in enumerate(IOU_THRS):
        taken = np.zeros(num_gts, bool)
        for d in hits:
            best, match = min(thr, 1 - 1e-10), -1
            for g in range(num_gts):
                if taken[g] and not crowd[g]:
                    continue
                if match > -1 and not ignored[match] and ignored[g]:
                    break
                if ious[d, g] < best:
                    continue
                best, match = ious[d, g], g
            if match > -1:
                status[t, d] = -1 if ignored[match] else 1
                taken[match] = True
    return status


def match_coco(predictions: Mapping[str, np.ndarray], annotations: Mapping[str, Any],
               max_dets: int = 100, classes: Sequence[str] = ()) -> CocoMatches:
    """Match every stored detection to a COCO annotation file's boxes, once.

    Args:
        predictions (Mapping): Arrays of a predictions file; label i is the i-th category of
            ``annotations['categories']`` (the dataset's class order).
        annotations (Mapping): The parsed COCO json (``images``, ``annotations``,
            ``categories``).
        max_dets (int): Detections kept per image and category. Defaults to 100 (the
            ``bbox_mAP`` of mmdet's ``CocoMetric``).
        classes (Sequence[str]): The dataset's class names: label i is the category named
            ``classes[i]`` (as mmdet's ``CocoMetric``). Default: the json's category order.

    Returns:
        CocoMatches: The matched detections.
    """
    if classes:
        by_name = {c['name']: c['id'] for c in annotations['categories']}
        missing = [name for name in classes if name not in by_name]
        if missing:
            raise KeyError(f'classes {missing} are not categories of the annotation file')
        cat_ids = [by_name[name] for name in classes]
    else:
        cat_ids = [c['id'] for c in annotations['categories']]
    index_of = {c: i for i, c in enumerate(cat_ids)}
    by_image: Dict[int, List[dict]] = {}
    for ann in annotations['annotations']:
        by_image.setdefault(int(ann['image_id']), []).append(ann)
    order = np.argsort(predictions['img_ids'], kind='stable')  # COCOeval walks ids sorted
    img_ids = np.asarray(predictions['img_ids'])[order]
    offsets = predictions['offsets']
    num_gts = np.zeros((len(img_ids), len(cat_ids)), np.int64)
    per_cat_images: List[List[np.ndarray]] = [[] for _ in cat_ids]
    per_cat_scores: List[List[np.ndarray]] = [[] for _ in cat_ids]
    per_cat_status: List[List[np.ndarray]] = [[] for _ in cat_ids]
    for row, source in enumerate(order):
        lo, hi = int(offsets[source]), int(offsets[source + 1])
        boxes = predictions['bboxes'][lo:hi].astype(np.float64)
        xywh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        scores, labels = predictions['scores'][lo:hi], predictions['labels'][lo:hi]
        gts = by_image.get(int(img_ids[row]), [])
        for cat in range(len(cat_ids)):
            cat_gts = [g for g in gts if index_of.get(g['category_id']) == cat]
            crowd = np.array([bool(g.get('iscrowd', 0)) for g in cat_gts], bool)
            sort_gt = np.argsort(crowd, kind='stable')
            crowd = crowd[sort_gt]
            gt_xywh = np.array([cat_gts[i]['bbox'] for i in sort_gt], np.float64).reshape(-1, 4)
            num_gts[row, cat] = int((~crowd).sum())
            mine = np.flatnonzero(labels == cat)
            mine = mine[np.argsort(-scores[mine], kind='mergesort')][:max_dets]
            if not len(mine):
                continue
            ious = _ious(xywh[mine], gt_xywh, crowd) if len(gt_xywh) else \
                np.zeros((len(mine), 0))
            per_cat_images[cat].append(np.full(len(mine), row))
            per_cat_scores[cat].append(scores[mine])
            per_cat_status[cat].append(_match(ious, crowd, crowd))
    images, status = [], []
    for cat in range(len(cat_ids)):
        if not per_cat_images[cat]:
            images.append(np.zeros(0, np.int64))
            status.append(np.zeros((len(IOU_THRS), 0), np.int8))
            continue
        scores = np.concatenate(per_cat_scores[cat])
        sort = np.argsort(-scores, kind='mergesort')
        images.append(np.concatenate(per_cat_images[cat])[sort])
        status.append(np.concatenate(per_cat_status[cat], axis=1)[:, sort])
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return CocoMatches(img_ids=np.asarray(predictions['img_ids']), num_gts=num_gts[inverse],
                       images=[inverse_rows(i, order) for i in images], status=status)


def inverse_rows(rows: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Map row indices of the id-sorted images back to the predictions file's image order."""
    return order[rows] if len(rows) else rows


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
