# GPU recipe (not run in this project): mmdet's COCO YOLOv3 (DarkNet-53, 608 px) fine-tuned on
# the ExDark train split behind a FROZEN enhancer, on YOLA's schedule (the field's fine-tuned
# protocol; YOLA, NeurIPS 2024, configs/yolov3/yolov3_yola_exdark.py): 24 epochs from the COCO
# weights, SGD lr 1e-3 (momentum 0.9, weight decay 5e-4, gradient clip 35) for 4 images per GPU,
# 1000-iteration linear warm-up from 0.1x, x0.1 at epochs 18 and 23; Expand, MinIoURandomCrop,
# RandomResize 320-608 and RandomFlip, no PhotoMetricDistortion (YOLA drops it; here it would
# also change what the frozen enhancer sees). The enhancer (any config with `enhancer`, below:
# Zero-DCE with its official weights) is built from its config and checkpoint, frozen, kept out
# of the saved weights, and recorded in the checkpoint's meta['frozen_enhancer'].
#   python data_tools/exdark_to_coco.py ...            # annotations/exdark_official_train.json
#   wget https://download.openmmlab.com/mmdetection/v3.0/yolo/yolov3_d53_mstrain-608_273e_coco/yolov3_d53_mstrain-608_273e_coco_20210518_115020-a2c3acb8.pth
#   python tools/train.py configs/detectors/exdark/yolov3_d53_exdark_finetuned_enhanced.py \
#       --work-dir work_dirs/yolov3_exdark_zerodce \
#       --cfg-options load_from=yolov3_d53_mstrain-608_273e_coco_20210518_115020-a2c3acb8.pth \
#           frozen_enhancer.config=configs/enhancers/zerodce.py   # or any other enhancer
#   (8 GPUs: bash mmdet's dist_train.sh style, `--launcher pytorch` under torchrun)
#   python tools/export_state_dict.py work_dirs/yolov3_exdark_zerodce/epoch_24.pth \
#       checkpoints/yolov3_exdark_zerodce.pth
#   python tools/benchmark.py --benchmark exdark --enhancers zerodce_official \
#       --detectors yolov3_exdark_finetuned --checkpoint checkpoints/yolov3_exdark_zerodce.pth
# Training enhances each training image after the train pipeline's crop and resize (at most
# 608 px); the benchmark enhances test images at their native size before the detector's own
# resize (see the README): for enhancers that depend on image size the two differ.
# The CPU smoke test of this path uses yolov3_tiny_exdark_finetuned.py (darknet YOLOv3-tiny).
_base_ = ['./yolov3_d53_exdark_finetuned.py']

load_from = ('https://download.openmmlab.com/mmdetection/v3.0/yolo/'
             'yolov3_d53_mstrain-608_273e_coco/'
             'yolov3_d53_mstrain-608_273e_coco_20210518_115020-a2c3acb8.pth')
frozen_enhancer = dict(config='configs/enhancers/zerodce.py', checkpoint=None)

train_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Expand', mean=[0, 0, 0], to_rgb=True, ratio_range=(1, 2)),
    dict(type='MinIoURandomCrop', min_ious=(0.4, 0.5, 0.6, 0.7, 0.8, 0.9), min_crop_size=0.3),
    dict(type='RandomResize', scale=[(320, 320), (608, 608)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    dataset=dict(filter_cfg=dict(filter_empty_gt=True, min_size=32), pipeline=train_pipeline))

max_epochs = 24
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
# optimizer: mmdet's YOLOv3 one, inherited (SGD as YOLA's, see the header)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', by_epoch=True, milestones=[18, 23], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
auto_scale_lr = dict(enable=False, base_batch_size=16)
