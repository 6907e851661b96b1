"""The COCO -> ExDark label map: table, index map, remapping, and the detector wrapper."""
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
from sdag_bench.datasets.label_map import (COCO_CLASSES, COCO_TO_EXDARK, LabelMappedDetector,
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
