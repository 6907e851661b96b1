# Darknet YOLOv3-tiny (416 px) fine-tuned on the ExDark train split with 12 ExDark classes,
# behind a frozen enhancer: the CPU-sized counterpart of yolov3_d53_exdark_finetuned_enhanced.py
# (the GPU recipe), used by the smoke test on the real ExDark photos. Starts from the converted
# COCO weights (tools/convert_darknet.py; the 80-class output convolutions do not fit 12 classes
# and start fresh, as when mmdet fine-tunes YOLOv3 from COCO):
#   python tools/train.py configs/detectors/exdark/yolov3_tiny_exdark_finetuned.py \
#       --cfg-options frozen_enhancer.config=configs/enhancers/zerodce.py
# then tools/export_state_dict.py and `tools/benchmark.py --benchmark exdark --detectors
# configs/detectors/exdark/yolov3_tiny_exdark_finetuned.py --checkpoint PATH`.
_base_ = ['../coco/yolov3_tiny.py', '../../_base_/detectors/exdark_frozen_test.py']

checkpoint = None  # the fine-tuned weights, set with --checkpoint PATH
detector_weights = 'fine-tuned'  # recorded in every cell's protocol
load_from = 'checkpoints/darknet/yolov3_tiny_coco.pth'  # converted COCO weights
frozen_enhancer = dict(config='configs/enhancers/identity.py', checkpoint=None)

# 12 classes; training losses and target assignment of mmdet's YOLOv3 config
model = dict(
    bbox_head=dict(
        num_classes=12,
        loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0,
                      reduction='sum'),
        loss_conf=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0,
                       reduction='sum'),
        loss_xy=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=2.0,
                     reduction='sum'),
        loss_wh=dict(type='mmdet.MSELoss', loss_weight=2.0, reduction='sum')),
    train_cfg=dict(assigner=dict(type='mmdet.GridAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                                 min_pos_iou=0)))

train_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=_base_.input_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ExDarkDataset',
        data_root='data/exdark/',
        ann_file='annotations/exdark_official_train.json',
        data_prefix=dict(img='ExDark/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))
# the test pipeline (416x416 stretch) is the COCO config's own
test_dataloader = dict(
    _base_.frozen_test_dataloader,
    dataset=dict(_base_.frozen_test_dataset, pipeline=_base_.test_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_evaluator = dict(_base_.frozen_test_evaluator, _delete_=True)

max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', by_epoch=True, milestones=[9, 11], gamma=0.1),
]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
