"""True/false positives of every detection, matched once per image the way mmdet's VOC AP does.

mmdet's ``eval_map`` (``tpfp_default``, used by ``VOCMetric`` and the project's
``ClasswiseVOCMetric``) matches each image's detections of a class, by descending score, to the
ground-truth box of that class they overlap most: a hit (IoU >= the threshold) on a box not yet
covered is a true positive, on a covered box a false positive, on an ignored box neither; a
miss is a false positive. A detection's status depends on its own image only, so it is computed
once here and every bootstrap resample of the images only reweights it (see ``bootstrap.py``).
IoUs come from mmdet's own ``bbox_overlaps`` (float32, ``use_legacy_coordinate`` as the metric).
Ties in score are broken by order (stable sort), where mmdet's unstable sort may differ.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Sequence

import numpy as np


@dataclass
class VocMatches:
    """Matched detections of one cell, per class sorted by descending score.

    Attributes:
        img_ids (np.ndarray): (M,) image ids, in the order the weights of a resample index.
        num_gts (np.ndarray): (M, C) non-ignored ground-truth boxes per image and class.
        images (list[np.ndarray]): Per class, the image index (into ``img_ids``) of each
            detection that counts (a true or false positive), by descending score.
        tp (list[np.ndarray]): Per class, bool, whether that detection is a true positive
            (else a false positive).
        dropped_labels (int): Detections whose label is not a class of the dataset (ignored,
            as ``VOCMetric`` does).
    """
    img_ids: np.ndarray
    num_gts: np.ndarray
    images: List[np.ndarray]
    tp: List[np.ndarray]
    dropped_labels: int = 0
    classes: Sequence[str] = field(default_factory=tuple)


def _image_status(bboxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
                  gt_boxes: np.ndarray, gt_labels: np.ndarray, gt_ignored: np.ndarray,
                  iou_thr: float, legacy: bool) -> np.ndarray:
    """Per detection: 1 true positive, 0 false positive, -1 neither (matched an ignored box)."""
    from mmdet.evaluation.functional import bbox_overlaps
    status = np.zeros(len(scores), dtype=np.int8)
    if len(scores) == 0 or len(gt_boxes) == 0:
        return status
    ious = bbox_overlaps(bboxes, gt_boxes, use_legacy_coordinate=legacy)
    ious = np.where(labels[:, None] == gt_labels[None, :], ious, -1.0)
    best = ious.max(axis=1)
    target = ious.argmax(axis=1)  # first maximum: non-ignored boxes come first, as in mmdet
    hit = best >= iou_thr
    status[hit & gt_ignored[target]] = -1
    candidates = np.flatnonzero(hit & ~gt_ignored[target])
    if len(candidates):
        candidates = candidates[np.argsort(-scores[candidates], kind='stable')]
        _, first = np.unique(target[candidates], return_index=True)
        status[candidates[first]] = 1  # the best-scored hit of each box; later hits stay FP
    return status


def match_voc(predictions: Mapping[str, np.ndarray], truth: Mapping[int, Dict[str, Any]],
              num_classes: int, iou_thr: float = 0.5, legacy: bool = True,
              classes: Sequence[str] = ()) -> VocMatches:
    """Match every stored detection of a cell to the ground truth, once.

    Args:
        predictions (Mapping): Arrays of a predictions file (``load_predictions``).
        truth (Mapping[int, dict]): Per image id: ``bboxes`` (n, 4) xyxy, ``labels`` (n,),
            ``bboxes_ignore`` (k, 4), ``labels_ignore`` (k,).
        num_classes (int): Classes of the dataset.
        iou_thr (float): IoU of a hit. Defaults to 0.5.
        legacy (bool): The +1 px box convention (``use_legacy_coordinate``). Defaults to True,
            as ``ClasswiseVOCMetric``.
        classes (Sequence[str]): Class names, kept for the tables.

    Returns:
        VocMatches: The matched detections.

    Raises:
        KeyError: An image of the predictions has no ground truth (naming its id).
    """
    img_ids = np.asarray(predictions['img_ids'], dtype=np.int64)
    offsets = np.asarray(predictions['offsets'])
    all_boxes = np.asarray(predictions['bboxes'], dtype=np.float32)
    all_scores = np.asarray(predictions['scores'], dtype=np.float32)
    all_labels = np.asarray(predictions['labels'], dtype=np.int64)
    num_gts = np.zeros((len(img_ids), num_classes), dtype=np.int64)
    status = np.zeros(len(all_scores), dtype=np.int8)
    for index, img_id in enumerate(img_ids):
        gt = truth.get(int(img_id))
        if gt is None:
            raise KeyError(f'image id {int(img_id)} has predictions but no ground truth')
        labels_gt = np.asarray(gt['labels'], dtype=np.int64).reshape(-1)
        labels_ign = np.asarray(gt.get('labels_ignore', np.zeros(0)), np.int64).reshape(-1)
        num_gts[index] = np.bincount(labels_gt[labels_gt < num_classes],
                                     minlength=num_classes)[:num_classes]
        boxes = np.vstack([np.asarray(gt['bboxes'], np.float32).reshape(-1, 4),
                           np.asarray(gt.get('bboxes_ignore', np.zeros((0, 4))),
                                      np.float32).reshape(-1, 4)])
        ignored = np.r_[np.zeros(len(labels_gt), bool), np.ones(len(labels_ign), bool)]
        lo, hi = int(offsets[index]), int(offsets[index + 1])
        status[lo:hi] = _image_status(all_boxes[lo:hi], all_scores[lo:hi], all_labels[lo:hi],
                                      boxes, np.r_[labels_gt, labels_ign], ignored, iou_thr,
                                      legacy)
    image_of = np.repeat(np.arange(len(img_ids)), np.diff(offsets))
    images, tps = [], []
    for cls in range(num_classes):
        keep = np.flatnonzero((all_labels == cls) & (status >= 0))
        keep = keep[np.argsort(-all_scores[keep], kind='stable')]
        images.append(image_of[keep])
        tps.append(status[keep] == 1)
    dropped = int(((all_labels < 0) | (all_labels >= num_classes)).sum())
    return VocMatches(img_ids=img_ids, num_gts=num_gts, images=images, tp=tps,
                      dropped_labels=dropped, classes=tuple(classes))
