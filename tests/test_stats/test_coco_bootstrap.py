"""Bootstrap COCO mAP against pycocotools' COCOeval on the same resampled image lists."""
import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from sdag_bench.stats import bootstrap_weights
from sdag_bench.stats.coco_matching import coco_map_draws, match_coco
from synthetic_cells import synthetic_cell

CLASSES = 4


def coco_files(predictions, truth, counts=None, keep_ids=False):
    """Ground truth json and detections of the images, image i repeated counts[i] times
    (a copy gets a new image id; ignored boxes are crowd boxes)."""
    images, anns, dets = [], [], []
    for index, img_id in enumerate(predictions['img_ids']):
        for _ in range(1 if counts is None else int(counts[index])):
            new_id = int(img_id) if keep_ids else len(images) + 1
            images.append(dict(id=new_id, width=640, height=640))
            gt = truth[int(img_id)]
            for boxes, labels, crowd in ((gt['bboxes'], gt['labels'], 0),
                                         (gt['bboxes_ignore'], gt['labels_ignore'], 1)):
                for box, label in zip(boxes.tolist(), labels):
                    w, h = box[2] - box[0], box[3] - box[1]
                    anns.append(dict(id=len(anns) + 1, image_id=new_id, iscrowd=crowd,
                                     category_id=int(label) + 10, bbox=[box[0], box[1], w, h],
                                     area=w * h))
            lo, hi = predictions['offsets'][index], predictions['offsets'][index + 1]
            for box, score, label in zip(predictions['bboxes'][lo:hi].tolist(),
                                         predictions['scores'][lo:hi],
                                         predictions['labels'][lo:hi]):
                dets.append(dict(image_id=new_id, category_id=int(label) + 10,
                                 bbox=[box[0], box[1], box[2] - box[0], box[3] - box[1]],
                                 score=float(score)))
    # categories listed in another order than the labels: matched by name
    categories = [dict(id=c + 10, name=f'class{c}') for c in reversed(range(CLASSES))]
    return dict(images=images, annotations=anns, categories=categories), dets


def cocoeval_map(gt, dets):
    """bbox_mAP as mmdet's CocoMetric computes it (maxDets 100/300/1000, stats[0])."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        evaluator = COCOeval(coco, coco.loadRes(dets), 'bbox')
        evaluator.params.maxDets = [100, 300, 1000]
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats[0]


def test_each_resample_equals_cocoeval():
    predictions, truth = synthetic_cell(num_images=60, num_classes=CLASSES, seed=8)
    for img_id in range(0, 60, 3):  # a crowd box of class 0 over the whole image
        truth[img_id]['bboxes_ignore'] = np.array([[0, 0, 639, 639]], np.float32)
        truth[img_id]['labels_ignore'] = np.array([0])
    gt, _ = coco_files(predictions, truth, keep_ids=True)
    matches = match_coco(predictions, gt, classes=[f'class{c}' for c in range(CLASSES)])
    weights = np.vstack([np.ones((1, 60), np.int32), bootstrap_weights(60, 3, seed=5)])
    ours = coco_map_draws(matches, weights)
    assert (matches.status[0] == -1).sum() > 40  # detections taking a crowd box again
    for row in range(len(weights)):
        ref = cocoeval_map(*coco_files(predictions, truth, weights[row]))
        assert ours[row] == pytest.approx(ref, abs=1e-12), row


def test_unknown_class_is_named():
    predictions, truth = synthetic_cell(num_images=3, num_classes=CLASSES, seed=1)
    gt, _ = coco_files(predictions, truth, keep_ids=True)
    with pytest.raises(KeyError, match='dog'):
        match_coco(predictions, gt, classes=['class0', 'dog'])


def test_matching_is_cocoevals_own_even_for_odd_boxes():
    """A detection box with x2 < x1 has a negative area: COCOeval ignores it when it matches
    nothing (outside the 'all' area range) instead of counting a false positive. Matching by
    ``COCOeval.evaluate()`` itself keeps such corners; a re-implementation counted it."""
    predictions = dict(img_ids=np.array([1]), offsets=np.array([0, 2]),
                       bboxes=np.array([[10, 10, 50, 50], [90, 10, 60, 40]], np.float32),
                       scores=np.array([0.5, 0.9], np.float32), labels=np.array([0, 0]))
    truth = {1: dict(bboxes=np.array([[10, 10, 50, 50]], np.float32), labels=np.array([0]),
                     bboxes_ignore=np.zeros((0, 4), np.float32), labels_ignore=np.zeros(0))}
    gt, dets = coco_files(predictions, truth, keep_ids=True)
    matches = match_coco(predictions, gt, classes=[f'class{c}' for c in range(CLASSES)])
    ours = coco_map_draws(matches, np.ones((1, 1), np.int32))[0]
    assert ours == pytest.approx(cocoeval_map(gt, dets), abs=1e-12)
    assert ours == pytest.approx(1.0)  # the inverted box is ignored, not a false positive
