# RetinaFace-mnet0.25: the official WIDER FACE weights of biubug6's Face-Detector-1MB-with-landmark
# (weights/mobilenet0.25_Final.pth), loaded through the official key map, used frozen on DARK
# FACE. Official test settings: original image size (no resize), BGR minus (104, 117, 123),
# score > 0.02, NMS at IoU 0.4, at most 750 faces.
_base_ = ['../../_base_/datasets/darkface.py', 'mmdet::_base_/default_runtime.py']
default_scope = 'sdag_bench'

# Relative to the project root; the third-party assets are never copied into the project.
checkpoint = ('../shared/assets/biubug6+Face-Detector-1MB-with-landmark/weights/'
              'mobilenet0.25_Final.pth')

model = dict(
    type='RetinaFaceMobileNet',
    backbone=dict(type='MobileNetV1x025'),
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[104, 117, 123],
        std=[1, 1, 1],
        bgr_to_rgb=False,
        pad_size_divisor=1),
    test_cfg=dict(score_thr=0.02, nms_pre=5000, iou_threshold=0.4, max_per_img=750))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = test_dataloader
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
