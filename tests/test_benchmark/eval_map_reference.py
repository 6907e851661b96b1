"""Reference AP50 per bootstrap resample: mmdet's eval_map on resampled image lists.

Predictions come from a cell's stored predictions file, the ground truth from the COCO json
(crowd boxes as ignored boxes), the resamples from the documented draw
``numpy.random.default_rng(seed).integers(0, M, (B, M))``; nothing from the code under test.
"""
import json
from pathlib import Path

import numpy as np


class SerialPool:
    """eval_map's process pool run in this process (same calls, no fork per call)."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def starmap(self, fn, args):
        return [fn(*a) for a in args]

    def close(self) -> None:
        pass


def documented_weights(num_images: int, draws: int, seed: int) -> np.ndarray:
    """(B, M) counts of the documented resamples."""
    picks = np.random.default_rng(seed).integers(0, num_images, size=(draws, num_images))
    return np.stack([np.bincount(p, minlength=num_images) for p in picks])


def eval_map_draws(predictions: Path, ann_file: Path, weights: np.ndarray) -> np.ndarray:
    """eval_map AP50 (area, legacy +1 px) of the test set and of each resample.

    Returns:
        np.ndarray: (1 + B,): the plain AP50, then one per row of ``weights``.
    """
    from mmdet.evaluation.functional import eval_map
    coco = json.loads(Path(ann_file).read_text())
    cats = [c['id'] for c in coco['categories']]
    pred = np.load(predictions)
    dets, anns = [], []

    def boxes(items):
        return np.array([[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                          a['bbox'][1] + a['bbox'][3]] for a in items], np.float32).reshape(-1, 4)

    for index, img_id in enumerate(pred['img_ids']):
        lo, hi = pred['offsets'][index], pred['offsets'][index + 1]
        box, score, label = pred['bboxes'][lo:hi], pred['scores'][lo:hi], pred['labels'][lo:hi]
        dets.append([np.hstack([box[label == c], score[label == c, None]])
                     for c in range(len(cats))])
        gts = [a for a in coco['annotations'] if a['image_id'] == int(img_id)]
        keep = [a for a in gts if not a.get('iscrowd')]
        crowd = [a for a in gts if a.get('iscrowd')]
        anns.append(dict(bboxes=boxes(keep),
                         labels=np.array([cats.index(a['category_id']) for a in keep]),
                         bboxes_ignore=boxes(crowd),
                         labels_ignore=np.array([cats.index(a['category_id']) for a in crowd])))
    values = []
    for counts in np.vstack([np.ones(len(dets), int), weights]):
        picked = [i for i, n in enumerate(counts) for _ in range(n)]
        mean, _ = eval_map([dets[i] for i in picked], [anns[i] for i in picked], iou_thr=0.5,
                           eval_mode='area', use_legacy_coordinate=True, logger='silent',
                           nproc=1)
        values.append(mean)
    return np.array(values)


def bootstrap_p(diff: np.ndarray) -> float:
    """Two-sided bootstrap p-value of 'no difference' (the +1 counts of Davison & Hinkley)."""
    share = min((1 + np.sum(diff <= 0)) / (len(diff) + 1),
                (1 + np.sum(diff >= 0)) / (len(diff) + 1))
    return min(1.0, 2 * share)
