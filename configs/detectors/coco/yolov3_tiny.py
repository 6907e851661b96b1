# Darknet YOLOv3-tiny trained on COCO (80 classes, 416 px, two YOLO levels at strides 32 and 16),
# the original darknet weights, frozen: the backbone and neck are sdag_bench's DarknetTiny and
# YOLOV3TinyNeck (sdag_bench/detectors/yolov3_tiny.py), the head, anchors, box coder and detector
# are mmdet's own (YOLOV3Head, YOLOAnchorGenerator, YOLOBBoxCoder, YOLOV3).
# Weights (third-party, never committed): darknet's release yolov3-tiny.weights
# (https://pjreddie.com/media/files/yolov3-tiny.weights) with cfg/yolov3-tiny.cfg from the darknet
# repository; convert them once into the plain state dict this config loads:
#   python tools/convert_darknet.py yolov3-tiny.cfg yolov3-tiny.weights \
#       checkpoints/darknet/yolov3_tiny_coco.pth
# (`make darknet` does this from ../shared/assets/pjreddie+darknet; `make demo` too, when present.)
# Test-time resize: a STRETCH to 416x416 (aspect ratio not kept, no padding), as OpenCV's
# reference implementation does (blobFromImage(..., (416, 416), crop=False)) and as the
# conformance test checks; darknet's own `detector test` letterboxes (grey borders), which
# mmdet's transforms do not reproduce exactly. Boxes are mapped back to the original image
# through mmdet's per-axis scale factor.
# test_cfg: mmdet's YOLOv3 settings for AP evaluation (objectness >= 0.005, class probability
# >= 0.05, NMS IoU 0.45, 100 boxes per image); the score is objectness x class probability.
# Runtime (visualizer, hooks) from mmdet; test set and metric: COCO val2017 as in mmdet's configs,
# so that mmdet's init_detector, DetInferencer and tools/test.py take this config as it is.
_base_ = 'mmdet::_base_/default_runtime.py'
default_scope = 'sdag_bench'

checkpoint = 'checkpoints/darknet/yolov3_tiny_coco.pth'
input_size = (416, 416)
darknet_norm_cfg = dict(type='BN', eps=1e-6)
darknet_act_cfg = dict(type='LeakyReLU', negative_slope=0.1)

model = dict(
    type='mmdet.YOLOV3',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[0, 0, 0],
        std=[255., 255., 255.],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='DarknetTiny',
        channels=(16, 32, 64, 128, 256, 512, 1024),
        pool_strides=(2, 2, 2, 2, 2, 1),
        out_indices=(4, 6),
        norm_cfg=darknet_norm_cfg,
        act_cfg=darknet_act_cfg),
    neck=dict(
        type='YOLOV3TinyNeck',
        in_channels=(256, 1024),
        lateral_channels=256,
        up_channels=128,
        norm_cfg=darknet_norm_cfg,
        act_cfg=darknet_act_cfg),
    bbox_head=dict(
        type='mmdet.YOLOV3Head',
        num_classes=80,
        in_channels=[256, 384],
        out_channels=[512, 256],
        anchor_generator=dict(
            type='mmdet.YOLOAnchorGenerator',
            # cfg anchors 10,14, 23,27, 37,58, 81,82, 135,169, 344,319; masks 3,4,5 and 0,1,2
            base_sizes=[[(81, 82), (135, 169), (344, 319)], [(10, 14), (23, 27), (37, 58)]],
            strides=[32, 16]),
        bbox_coder=dict(type='mmdet.YOLOBBoxCoder'),
        featmap_strides=[32, 16],
        norm_cfg=darknet_norm_cfg,
        act_cfg=darknet_act_cfg),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        conf_thr=0.005,
        nms=dict(type='nms', iou_threshold=0.45),
        max_per_img=100))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
# The benchmark applies the detector's own test-time transforms, read from here.
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='mmdet.CocoDataset',
        data_root='data/coco/',
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='mmdet.CocoMetric',
                      ann_file='data/coco/annotations/instances_val2017.json', metric='bbox')
test_cfg = dict(type='TestLoop')
