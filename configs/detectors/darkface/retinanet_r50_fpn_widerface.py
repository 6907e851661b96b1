# RetinaNet (ResNet-50 FPN) face detector (1 class) from mmdet's WIDER FACE config, used frozen
# on DARK FACE.
# mmdet publishes no WIDER FACE weights: train it with mmdet's own config
# (mmdet::wider_face/retinanet_r50_fpn_1x_widerface.py), export a plain state dict, then
#   python tools/benchmark.py --benchmark <config> --detectors <name> --checkpoint PATH
# Test set and metric: those of configs/_base_/datasets/darkface.py (VOC AP50, area mode) at the
# detector's own 640x640 test scale.
_base_ = [
    'mmdet::wider_face/retinanet_r50_fpn_1x_widerface.py',
    '../../_base_/detectors/darkface_frozen_test.py'
]
default_scope = 'sdag_bench'

checkpoint = None  # WIDER FACE weights, set with --checkpoint PATH

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(640, 640), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=_base_.frozen_meta_keys),
]
test_dataloader = dict(
    batch_size=1,
    dataset=dict(_base_.frozen_test_dataset, _delete_=True, pipeline=test_pipeline))
val_dataloader = test_dataloader
test_evaluator = dict(_base_.frozen_test_evaluator, _delete_=True)
val_evaluator = test_evaluator
# the loops in the project's scope: mmdet's base tags them 'mmdet', and the test loop builds
# the project's dataset (mmdet's tools/test.py and Runner.test() run this config as it is)
val_cfg = dict(type='ValLoop', _scope_='sdag_bench')
test_cfg = dict(type='TestLoop', _scope_='sdag_bench')
