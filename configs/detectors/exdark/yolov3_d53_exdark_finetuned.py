# YOLOv3 (DarkNet-53, 608 px) fine-tuned on ExDark by the user (the YOLA protocol): 12 ExDark
# classes, no label map. Start from the COCO weights (checkpoint_url of ./yolov3_d53_coco.py):
#   python tools/train.py configs/detectors/exdark/yolov3_d53_exdark_finetuned.py \
#       --cfg-options load_from=PATH_TO_COCO_WEIGHTS train_cfg.max_epochs=N
# then export a plain state dict and benchmark it with --checkpoint PATH.
_base_ = [
    'mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py',
    '../../_base_/detectors/exdark_frozen_test.py'
]
default_scope = 'sdag_bench'

checkpoint = None  # the fine-tuned weights, set with --checkpoint PATH
# recorded in every cell's protocol (the default, for detectors used as trained elsewhere, is
# 'frozen')
detector_weights = 'fine-tuned'

model = dict(bbox_head=dict(num_classes=12))

dataset_type = 'ExDarkDataset'
data_root = 'data/exdark/'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/exdark_official_train.json',
        data_prefix=dict(img='ExDark/')))
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
