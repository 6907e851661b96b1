"""A synthetic detection cell (ground truth + predictions) for benches and reference tests.

Box counts follow ExDark's test split roughly: about 3.3 ground-truth boxes per image over 12
classes, a few ignored (crowd) boxes, and for each image a detection near most objects (jittered,
sometimes the wrong class, sometimes twice) plus false alarms, ~25 detections an image with
continuous scores, as a detector with a 0.05 score threshold gives.
"""
from typing import Any, Dict, Tuple

import numpy as np


def synthetic_cell(num_images: int = 2563, num_classes: int = 12, seed: int = 0,
                   size: int = 640, false_alarms: float = 20.0, ignored_rate: float = 0.05
                   ) -> Tuple[Dict[str, np.ndarray], Dict[int, Dict[str, Any]]]:
    """Predictions (the arrays of a predictions file) and ground truth for a made-up cell.

    Args:
        num_images (int): Test images. Defaults to 2563 (ExDark's test split).
        num_classes (int): Classes. Defaults to 12.
        seed (int): Random seed. Defaults to 0.
        size (int): Image side in pixels. Defaults to 640.
        false_alarms (float): Mean false alarms per image. Defaults to 20.
        ignored_rate (float): Chance of each of two ignored (crowd) boxes per image.
            Defaults to 0.05.

    Returns:
        tuple[dict, dict]: ``predictions`` (``img_ids``, ``offsets``, ``bboxes``, ``scores``,
        ``labels``) and ``truth`` (image id -> ``bboxes``, ``labels``, ``bboxes_ignore``,
        ``labels_ignore``).
    """
    rng = np.random.default_rng(seed)

    def boxes(n: int) -> np.ndarray:
        xy = rng.uniform(0, size * 0.8, (n, 2))
        wh = rng.uniform(12, size * 0.4, (n, 2))
        return np.hstack([xy, np.minimum(xy + wh, size - 1)]).astype(np.float32)

    truth, all_boxes, all_scores, all_labels, counts = {}, [], [], [], []
    for img_id in range(num_images):
        n = rng.poisson(3.3)
        gt, gt_labels = boxes(n), rng.integers(0, num_classes, n)
        n_ign = rng.binomial(2, ignored_rate)
        truth[img_id] = dict(bboxes=gt, labels=gt_labels, bboxes_ignore=boxes(n_ign),
                             labels_ignore=rng.integers(0, num_classes, n_ign))
        seen = rng.random(n) < 0.75
        jitter = rng.normal(0, 0.08, (n, 4)) * np.tile(gt[:, 2:] - gt[:, :2], 2)
        hits = (gt + jitter)[seen]
        hit_labels = np.where(rng.random(n) < 0.9, gt_labels,
                              rng.integers(0, num_classes, n))[seen]
        twice = rng.random(len(hits)) < 0.15
        alarms = rng.poisson(false_alarms)
        det = np.vstack([hits, hits[twice] + rng.normal(0, 4, (twice.sum(), 4)),
                         boxes(alarms)]).astype(np.float32)
        labels = np.r_[hit_labels, hit_labels[twice], rng.integers(0, num_classes, alarms)]
        scores = 0.05 + 0.95 * np.r_[rng.beta(5, 2, len(hits)), rng.beta(2, 4, twice.sum()),
                                     rng.beta(1, 6, alarms)]  # above a 0.05 score threshold
        scores = scores.astype(np.float32)
        all_boxes.append(det)
        all_scores.append(scores)
        all_labels.append(labels.astype(np.int64))
        counts.append(len(scores))
    predictions = dict(img_ids=np.arange(num_images, dtype=np.int64),
                       offsets=np.r_[0, np.cumsum(counts)].astype(np.int64),
                       bboxes=np.vstack(all_boxes), scores=np.concatenate(all_scores),
                       labels=np.concatenate(all_labels))
    return predictions, truth


def eval_map_inputs(predictions: Dict[str, np.ndarray], truth: Dict[int, Dict[str, Any]],
                    num_classes: int, counts: np.ndarray = None):
    """The same cell in mmdet ``eval_map``'s input format, images repeated by ``counts``.

    Args:
        predictions (dict): Predictions arrays.
        truth (dict): Ground truth per image id.
        num_classes (int): Classes.
        counts (np.ndarray, optional): (M,) times each image appears (a bootstrap resample);
            default once each.

    Returns:
        tuple[list, list]: ``det_results`` (per image, per class (k, 5) arrays) and
        ``annotations`` (per image dicts) for ``eval_map``.
    """
    offsets = predictions['offsets']
    dets, anns = [], []
    for index, img_id in enumerate(predictions['img_ids']):
        lo, hi = int(offsets[index]), int(offsets[index + 1])
        box, score, label = (predictions['bboxes'][lo:hi], predictions['scores'][lo:hi],
                             predictions['labels'][lo:hi])
        per_class = [np.hstack([box[label == c], score[label == c, None]])
                     for c in range(num_classes)]
        gt = truth[int(img_id)]
        ann = dict(bboxes=gt['bboxes'], labels=gt['labels'],
                   bboxes_ignore=gt['bboxes_ignore'], labels_ignore=gt['labels_ignore'])
        repeat = 1 if counts is None else int(counts[index])
        dets += [per_class] * repeat
        anns += [ann] * repeat
    return dets, anns
