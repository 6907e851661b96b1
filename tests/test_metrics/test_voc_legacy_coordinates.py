"""The ExDark / DARK FACE AP uses VOC's legacy +1 px box convention, checked on tiny boxes.

mmdet's ``VOCMetric`` (and so :class:`ClasswiseVOCMetric`) calls ``eval_map`` with
``use_legacy_coordinate=True``: a box ``[x1, y1, x2, y2]`` covers ``x2 - x1 + 1`` by
``y2 - y1 + 1`` pixels (``eval_map`` on its own defaults to ``x2 - x1``). On boxes a few pixels
wide the two conventions decide differently whether a detection is a hit.
"""
import numpy as np
import pytest
import torch

from sdag_bench.metrics.voc_classwise_metric import ClasswiseVOCMetric

#: Image 1: a 4x3 px ground truth (legacy; 3x2 px modern) and a detection whose IoU with it is
#: 8 / 14 = 0.571 legacy (intersection 4x2, areas 12 and 10) but 3 / 7 = 0.429 modern
#: (intersection 3x1, areas 6 and 4). Image 2: a larger box found exactly (IoU 1 in both).
TINY_GT, TINY_DET = [10., 10., 13., 12.], [10., 10., 14., 11.]
BIG_GT = [20., 20., 60., 50.]


def _iou(a, b, plus_one):
    """IoU written out by hand, with (``plus_one``) or without the +1 px convention."""
    e = 1. if plus_one else 0.
    iw = min(a[2], b[2]) - max(a[0], b[0]) + e
    ih = min(a[3], b[3]) - max(a[1], b[1]) + e
    inter = max(iw, 0.) * max(ih, 0.)
    area = lambda r: (r[2] - r[0] + e) * (r[3] - r[1] + e)  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def _sample(gt, det, score):
    return dict(gt_instances=dict(bboxes=torch.tensor([gt]), labels=torch.tensor([0])),
                ignored_instances=dict(bboxes=torch.zeros(0, 4), labels=torch.zeros(0).long()),
                pred_instances=dict(bboxes=torch.tensor([det]), scores=torch.tensor([score]),
                                    labels=torch.tensor([0])))


def test_tiny_box_is_a_hit_only_with_the_legacy_convention():
    assert _iou(TINY_GT, TINY_DET, True) == pytest.approx(8 / 14)
    assert _iou(TINY_GT, TINY_DET, False) == pytest.approx(3 / 7)
    metric = ClasswiseVOCMetric(prefix='voc')
    metric.dataset_meta = dict(classes=('thing', ))
    # the tiny detection scores higher, so it is ranked first
    metric.process({}, [_sample(TINY_GT, TINY_DET, 0.9), _sample(BIG_GT, BIG_GT, 0.8)])
    ap = metric.evaluate(2)['voc/AP50']
    # legacy: hit, hit -> precision 1 at recall 0.5 and 1 -> AP 1.0.
    # modern: miss, hit -> recall reaches only 0.5, at precision 1/2 -> area AP 0.25
    assert ap == pytest.approx(1.0)
    assert not np.isclose(ap, 0.25)
