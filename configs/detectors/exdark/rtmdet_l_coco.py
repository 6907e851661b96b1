# RTMDet-L trained on COCO, used frozen on ExDark without retraining: COCO classes are read as
# the 12 ExDark classes (LabelMappedDetector, 'coco_to_exdark').
# Model: mmdet's own config. Test set and metric: those of configs/_base_/datasets/exdark.py
# (official test split, VOC AP50 in area mode) at the detector's own test scale.
# Official weights (COCO box AP 51.3);
# nothing is downloaded at run time: fetch the file on a machine with internet, then
#   python tools/benchmark.py --benchmark <config> --detectors <name> --checkpoint PATH
_base_ = [
    'mmdet::rtmdet/rtmdet_l_8xb32-300e_coco.py',
    '../../_base_/detectors/exdark_frozen_test.py'
]
default_scope = 'sdag_bench'

checkpoint_url = ('https://download.openmmlab.com/mmdetection/v3.0/rtmdet/'
                  'rtmdet_l_8xb32-300e_coco/rtmdet_l_8xb32-300e_coco_20220719_112030-5a0be7c4.pth')
checkpoint = None  # set with --checkpoint PATH (a local copy of checkpoint_url)

# the detector's own config, read through the label map (merged into the base's model)
model = dict(type='sdag_bench.LabelMappedDetector', detector_type=_base_.model.type,
             label_map='coco_to_exdark')

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(640, 640), keep_ratio=True),
    dict(type='Pad', size=(640, 640), pad_val=dict(img=(114, 114, 114))),
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
