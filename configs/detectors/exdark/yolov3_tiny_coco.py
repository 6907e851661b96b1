# Darknet YOLOv3-tiny trained on COCO (416 px), used frozen on ExDark without retraining: its 80
# COCO classes are read as the 12 ExDark classes (LabelMappedDetector, 'coco_to_exdark').
# Model, weights and test pipeline: configs/detectors/coco/yolov3_tiny.py (its header says where
# the darknet weights come from and how to convert them:
#   python tools/convert_darknet.py yolov3-tiny.cfg yolov3-tiny.weights \
#       checkpoints/darknet/yolov3_tiny_coco.pth
# `make darknet` does it from ../shared/assets/pjreddie+darknet).
# Test-time resize: a stretch to 416x416 (as OpenCV's reference implementation of this network),
# boxes mapped back per axis. Test set and metric: those of configs/_base_/datasets/exdark.py
# (official test split, VOC AP50 in area mode).
_base_ = ['../coco/yolov3_tiny.py', '../../_base_/detectors/exdark_frozen_test.py']

# the detector's own config, read through the label map (merged into the base's model)
model = dict(type='sdag_bench.LabelMappedDetector', detector_type=_base_.model.type,
             label_map='coco_to_exdark')

# the test pipeline (416x416 stretch) is the COCO config's own
test_dataloader = dict(
    _base_.frozen_test_dataloader,
    dataset=dict(_base_.frozen_test_dataset, pipeline=_base_.test_pipeline))
val_dataloader = test_dataloader
# mmdet's tools/test.py runs this config as it is
val_cfg = dict(type='ValLoop')
test_evaluator = dict(_base_.frozen_test_evaluator, _delete_=True)
val_evaluator = test_evaluator
