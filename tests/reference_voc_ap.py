"""VOC AP at IoU 0.5 written here in numpy, independent of the code under test (and of mmdet):
the expected number of every test that holds an AP50 the benchmark reports.

Conventions of mmdet's ``eval_map`` as ``VOCMetric`` calls it: legacy pixel coordinates (a box
spans ``x2 - x1 + 1`` pixels), per-image greedy matching in score order (a ground-truth box is
matched once), area under the interpolated precision/recall curve (VOC 2010+ 'area' mode), the
mean over the classes that have ground truth.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

Boxes = Dict[str, List[Tuple[str, list]]]  # image name -> [(class, [x1, y1, x2, y2])]
Detections = Dict[str, List[Tuple[str, list, float]]]  # image name -> [(class, box, score)]


def _iou_legacy(box: np.ndarray, gts: np.ndarray) -> np.ndarray:
    """IoU of ``box`` with each of ``gts`` in the VOC devkit's pixel convention, which mmdet's
    VOCMetric keeps (``use_legacy_coordinate=True``)."""
    width = np.maximum(np.minimum(box[2], gts[:, 2]) - np.maximum(box[0], gts[:, 0]) + 1, 0)
    height = np.maximum(np.minimum(box[3], gts[:, 3]) - np.maximum(box[1], gts[:, 1]) + 1, 0)
    inter = width * height
    area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
    gt_area = (gts[:, 2] - gts[:, 0] + 1) * (gts[:, 3] - gts[:, 1] + 1)
    return inter / (area + gt_area - inter)


def _area_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """Area under the precision envelope (VOC 2010+ 'area' mode)."""
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def voc_ap50(detections: Detections, gts: Boxes, classes: Sequence[str]) -> Dict[str, float]:
    """Per-class VOC area AP at IoU 0.5 and their mean (key ``'mean'``).

    Args:
        detections (Detections): Per image: ``(class, [x1, y1, x2, y2], score)``.
        gts (Boxes): Per image: ``(class, [x1, y1, x2, y2])``; images without detections count.
        classes (Sequence[str]): Class names.

    Returns:
        dict[str, float]: AP per class that has ground truth, and ``'mean'`` over those.
    """
    result = {}
    for cls in classes:
        num_gts = sum(1 for boxes in gts.values() for c, _ in boxes if c == cls)
        if num_gts == 0:
            continue
        scored = []  # (score, is_tp) over all images
        for image, boxes in gts.items():
            gt = np.array([b for c, b in boxes if c == cls], dtype=np.float64).reshape(-1, 4)
            dets = sorted((d for d in detections.get(image, []) if d[0] == cls),
                          key=lambda d: -d[2])
            covered = np.zeros(len(gt), dtype=bool)
            for _, box, score in dets:
                hit = False
                if len(gt):
                    ious = _iou_legacy(np.asarray(box, dtype=np.float64), gt)
                    best = int(np.argmax(ious))
                    if ious[best] >= 0.5 and not covered[best]:
                        covered[best] = hit = True
                scored.append((score, hit))
        scored.sort(key=lambda s: -s[0])
        tp = np.cumsum([hit for _, hit in scored], dtype=np.float64)
        fp = np.cumsum([not hit for _, hit in scored], dtype=np.float64)
        eps = np.finfo(np.float32).eps
        recall = tp / max(num_gts, eps)
        precision = tp / np.maximum(tp + fp, eps)
        result[cls] = _area_ap(recall, precision)
    result['mean'] = float(np.mean(list(result.values())))
    return result
