# YOLOv3 (DarkNet-53, 608 px) trained on COCO, used frozen on ExDark without retraining: its
# 80 COCO classes are read as the 12 ExDark classes (LabelMappedDetector, 'coco_to_exdark').
# Model: mmdet's own config. Test set and metric: those of configs/_base_/datasets/exdark.py
# (official test split, VOC AP50 in area mode) at the detector's own test scale.
# Official weights (COCO box AP 33.7);
# nothing is downloaded at run time: fetch the file on a machine with internet, then
#   python tools/benchmark.py --benchmark <config> --detectors <name> --checkpoint PATH
_base_ = [
    'mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py',
    '../../_base_/detectors/exdark_frozen_test.py'
]
default_scope = 'sdag_bench'

checkpoint_url = ('https://download.openmmlab.com/mmdetection/v2.0/yolo/'
                  'yolov3_d53_mstrain-608_273e_coco/'
                  'yolov3_d53_mstrain-608_273e_coco_20210518_115020-a2c3acb8.pth')
checkpoint = None  # set with --checkpoint PATH (a local copy of checkpoint_url)

# the detector's own config, read through the label map (merged into the base's model)
model = dict(type='sdag_bench.LabelMappedDetector', detector_type=_base_.model.type,
             label_map='coco_to_exdark')

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(608, 608), keep_ratio=True),
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
