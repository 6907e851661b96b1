"""True/false positives of every detection, matched once per image by mmdet's own VOC matching.

mmdet's ``eval_map`` (used by ``VOCMetric`` and the project's ``ClasswiseVOCMetric``) matches each
image's detections of a class with ``tpfp_default``: by descending score, each takes the
ground-truth box of that class it overlaps most; a hit (IoU >= the threshold) on a box not yet
covered is a true positive, on a covered box a false positive, on an ignored box neither; a miss
is a false positive. That function is called here, once per image and class with detections, so
the matches are mmdet's (its IoU, its +1 px convention, its order of equal scores within an
image); a detection's status depends on its own image only, so every bootstrap resample of the
images only reweights it (see ``bootstrap.py``). Across images, equal scores are ordered by
image (a stable sort), where ``eval_map``'s unstable sort may order them otherwise.
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
    """Per detection of one image: 1 true positive, 0 false positive, -1 neither (it matched an
    ignored box), from mmdet's ``tpfp_default`` per class."""
    from mmdet.evaluation.functional.mean_ap import tpfp_default
    status = np.zeros(len(scores), dtype=np.int8)
    for cls in np.unique(labels):
        mine = np.flatnonzero(labels == cls)
        same = gt_labels == cls
        tp, fp = tpfp_default(np.hstack([bboxes[mine], scores[mine, None]]),
                              gt_boxes[same & ~gt_ignored], gt_boxes[same & gt_ignored],
                              iou_thr=iou_thr, use_legacy_coordinate=legacy)
        status[mine] = np.where(tp[0] > 0, 1, np.where(fp[0] > 0, 0, -1))
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
