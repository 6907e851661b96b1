# Darknet's full YOLOv3 (Darknet-53, three YOLO levels at strides 32, 16 and 8) with darknet's
# own COCO weights, frozen, as mmdet's own YOLOV3 (Darknet, YOLOV3Neck, YOLOV3Head): the model of
# mmdet's yolov3_d53 config with darknet's batch-norm eps (1e-6) and the same 416 stretch test
# pipeline as configs/detectors/coco/yolov3_tiny.py, so the two can be compared.
# Weights (third-party, 248 MB, never committed, not among the project's offline files): darknet's
# release yolov3.weights (https://pjreddie.com/media/files/yolov3.weights) with cfg/yolov3.cfg
# from the darknet repository; convert them once:
#   python tools/convert_darknet.py yolov3.cfg yolov3.weights \
#       checkpoints/darknet/yolov3_d53_coco.pth
# The key map (sdag_bench/detectors/yolov3_darknet53_key_map.py) is tested on a generated cfg
# against a plain darknet interpreter, not yet on the real weights.
_base_ = 'mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py'
default_scope = 'sdag_bench'

checkpoint = 'checkpoints/darknet/yolov3_d53_coco.pth'
input_size = (416, 416)
darknet_norm_cfg = dict(type='BN', eps=1e-6)

model = dict(
    backbone=dict(norm_cfg=darknet_norm_cfg, init_cfg=None),
    neck=dict(norm_cfg=darknet_norm_cfg),
    bbox_head=dict(norm_cfg=darknet_norm_cfg))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
