# YOLOX-Nano trained on COCO (Megvii's YOLOX, Apache-2.0; 0.91 M parameters, 416 px, 25.8 COCO mAP
# in the YOLOX paper), frozen, as mmdet's own YOLOX (CSPDarknet with Focus stem, deepen 0.33,
# widen 0.25, depthwise convolutions; YOLOXPAFPN; YOLOXHead): mmdet's yolox_nano config as it is.
# Weights (third-party, never committed): the official model exported to ONNX (batch norms folded
# into the convolutions); convert them once into the plain state dict this config loads:
#   python tools/convert_yolox_onnx.py yolox_nano.onnx checkpoints/yolox/yolox_nano_coco.pth
# (`make yolox` does this from ../shared/assets; `make demo` too, when the file is there.)
# Test protocol: official YOLOX's: keep-ratio resize to 416, padded to 416x416 with 114 at the
# bottom/right, BGR 0-255 without mean/std. mmdet's test_cfg (score >= 0.01, NMS IoU 0.65).
_base_ = ['mmdet::yolox/yolox_nano_8xb8-300e_coco.py']
default_scope = 'sdag_bench'

checkpoint = 'checkpoints/yolox/yolox_nano_coco.pth'
input_size = (416, 416)

# test time only: no batch augmentation (the base's random multi-scale training resize)
model = dict(data_preprocessor=dict(batch_augments=None))

test_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='Resize', scale=input_size, keep_ratio=True),
    dict(type='Pad', pad_to_square=True, pad_val=dict(img=(114.0, 114.0, 114.0))),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = test_dataloader
# mmdet's test loops without the base's `_scope_='mmdet'` (the project's datasets and transforms
# must resolve in this config's scope), and none of its training hooks (EMA, mode switch): the
# converted weights are the final ones.
val_cfg = dict(_delete_=True, type='ValLoop')
test_cfg = dict(_delete_=True, type='TestLoop')
custom_hooks = []
