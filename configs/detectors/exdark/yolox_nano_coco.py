# YOLOX-Nano trained on COCO (416 px), used frozen on ExDark without retraining: its 80 COCO
# classes are read as the 12 ExDark classes (LabelMappedDetector, 'coco_to_exdark').
# Model, weights and test pipeline: configs/detectors/coco/yolox_nano.py (its header says how to
# convert the ONNX weights; `make yolox` does it from ../shared/assets).
# Test-time resize: official YOLOX's keep-ratio resize to 416 padded with 114 at the bottom/right,
# boxes mapped back to the original image. Test set and metric: those of
# configs/_base_/datasets/exdark.py (official test split, VOC AP50 in area mode).
_base_ = ['../coco/yolox_nano.py', '../../_base_/detectors/exdark_frozen_test.py']

model = dict(
    _delete_=True,
    type='LabelMappedDetector',
    detector=_base_.model,
    label_map='coco_to_exdark')

test_dataloader = dict(
    _base_.frozen_test_dataloader,
    _delete_=True,
    dataset=dict(_base_.frozen_test_dataset, pipeline=_base_.test_pipeline))
val_dataloader = test_dataloader
test_evaluator = dict(_base_.frozen_test_evaluator, _delete_=True)
val_evaluator = test_evaluator
