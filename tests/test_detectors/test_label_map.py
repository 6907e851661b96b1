"""The COCO -> ExDark label map: table, index map, remapping, and the detector wrapper."""
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import ConfigDict
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
from sdag_bench.detectors.label_map import (COCO_CLASSES, COCO_TO_EXDARK, LabelMappedDetector,
                                            build_index_map, remap_data_samples)
from sdag_bench.registry import MODELS


def test_table_covers_exdark():
    assert sorted(COCO_TO_EXDARK.values()) == sorted(EXDARK_CLASSES)
    index = build_index_map(COCO_CLASSES, EXDARK_CLASSES)
    assert index.shape == (80, ) and int((index >= 0).sum()) == 12
    assert index[COCO_CLASSES.index('person')] == EXDARK_CLASSES.index('People')
    assert index[COCO_CLASSES.index('motorcycle')] == EXDARK_CLASSES.index('Motorbike')
    assert index[COCO_CLASSES.index('dining table')] == EXDARK_CLASSES.index('Table')
    assert index[COCO_CLASSES.index('traffic light')] == -1


def test_bad_map_refused():
    with pytest.raises(ValueError, match='unicorn'):
        build_index_map(COCO_CLASSES, EXDARK_CLASSES, {'unicorn': 'People'})


def _sample(labels):
    sample = DetDataSample()
    n = len(labels)
    sample.pred_instances = InstanceData(
        labels=torch.tensor(labels), scores=torch.linspace(0.9, 0.1, n),
        bboxes=torch.arange(n * 4, dtype=torch.float32).reshape(n, 4))
    return sample


def test_remap_drops_unmapped():
    coco = [COCO_CLASSES.index(n) for n in ('person', 'traffic light', 'cup', 'dog')]
    out = remap_data_samples([_sample(coco)], build_index_map(COCO_CLASSES, EXDARK_CLASSES))[0]
    names = [EXDARK_CLASSES[i] for i in out.pred_instances.labels.tolist()]
    assert names == ['People', 'Cup', 'Dog']
    assert out.pred_instances.bboxes[:, 0].tolist() == [0.0, 8.0, 12.0]  # boxes follow labels
    assert len(out.pred_instances.scores) == 3


class _FixedDetector(BaseModel):
    """Predicts the same COCO labels for every image."""

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return [_sample([0, 9, 56]) for _ in range(len(inputs))]


def test_wrapper_registered_and_remaps():
    MODELS.register_module(module=_FixedDetector, force=True)
    model = MODELS.build(dict(type='LabelMappedDetector', detector=dict(type='_FixedDetector')))
    assert isinstance(model, LabelMappedDetector)
    data = dict(inputs=[torch.zeros(3, 4, 4)], data_samples=[DetDataSample()])
    out = model.test_step(data)
    # person -> People, traffic light dropped, chair -> Chair
    assert [EXDARK_CLASSES[i] for i in out[0].pred_instances.labels.tolist()] == [
        'People', 'Chair']
    assert len(model.val_step(data)[0].pred_instances) == 2
    with pytest.raises(RuntimeError, match='frozen'):
        model(torch.zeros(1, 3, 4, 4), None, mode='loss')
    custom = LabelMappedDetector(_FixedDetector(), label_map={'a': 'x'}, source_classes=['a', 'b'],
                                 target_classes=['x'])
    assert custom.index_map.tolist() == [0, -1]


#: A real mmdet RetinaHead (its own score threshold, NMS and ``max_per_img``) on crafted maps.
_HEAD = dict(type='RetinaHead', num_classes=80, in_channels=8, stacked_convs=0, feat_channels=8,
             anchor_generator=dict(type='AnchorGenerator', octave_base_scale=1,
                                   scales_per_octave=1, ratios=[1.0], strides=[32]),
             bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4,
                             target_stds=[1.] * 4),
             test_cfg=dict(nms_pre=1000, min_bbox_size=0, score_thr=0.05,
                           nms=dict(type='nms', iou_threshold=0.5), max_per_img=50))


class _CraftedRetina(BaseModel):
    """On a 256x256 image (8x8 anchors of 32 px, none overlapping): every anchor is a
    ``traffic light`` (score sigmoid(3) = 0.95, unmapped) and a ``person`` (sigmoid(0) = 0.5)."""

    def __init__(self):
        super().__init__()
        self.bbox_head = MODELS.build(ConfigDict(_HEAD))  # as a detector config gives it

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = torch.full((1, 80, 8, 8), -10.)
        logits[:, COCO_CLASSES.index('traffic light')] = 3.
        logits[:, COCO_CLASSES.index('person')] = 0.
        metas = [dict(img_shape=(256, 256), ori_shape=(256, 256), scale_factor=(1., 1.))]
        results = self.bbox_head.predict_by_feat([logits], [torch.zeros(1, 4, 8, 8)],
                                                 batch_img_metas=metas, rescale=False)
        return [DetDataSample(pred_instances=r) for r in results]


def test_unmapped_classes_do_not_use_up_the_detection_budget():
    detector = _CraftedRetina()
    alone = detector.test_step(dict(inputs=[torch.zeros(3, 4, 4)],
                                    data_samples=[DetDataSample()]))[0].pred_instances
    # the head alone: its 50 slots go to the 64 traffic lights (0.95) before any person (0.5)
    assert len(alone) == 50 and set(alone.labels.tolist()) == {COCO_CLASSES.index('traffic light')}
    model = LabelMappedDetector(detector)
    out = model.test_step(dict(inputs=[torch.zeros(3, 4, 4)],
                               data_samples=[DetDataSample()]))[0].pred_instances
    # mapped: the budget of 50 applies to ExDark classes, so 50 of the 64 people remain
    assert model.max_per_img == 50 and len(out) == 50
    assert set(out.labels.tolist()) == {EXDARK_CLASSES.index('People')}
    torch.testing.assert_close(out.scores, torch.full((50, ), 0.5))
    assert _HEAD['test_cfg']['max_per_img'] == 50  # the config is not changed


def test_budget_keeps_the_highest_scores():
    sample = _sample([0, 9, 0, 56, 0])  # scores 0.9 .. 0.1; 9 (traffic light) is dropped
    sample.pred_instances.scores = torch.tensor([0.2, 0.99, 0.7, 0.4, 0.7])
    out = remap_data_samples([sample], build_index_map(COCO_CLASSES, EXDARK_CLASSES),
                             max_per_img=2)[0].pred_instances
    assert out.scores.tolist() == pytest.approx([0.7, 0.7])
    assert out.bboxes[:, 0].tolist() == [8.0, 16.0]  # the tie keeps its order
