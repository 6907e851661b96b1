# SCI trained on the 300 real ExDark train photos with SDAG guidance from the stem of the
# detector that judges it (darknet YOLOv3-tiny, _base_/sdag_yolov3_tiny_exdark.py): sci.py (same
# data, schedule and seeds) plus SDAGGuidanceHook. Reproduced by tools/train_exdark_zoo.sh.
_base_ = ['./sci.py', './_base_/sdag_yolov3_tiny_exdark.py']

custom_hooks = [_base_.sdag_hook, _base_.samples_hook]
checkpoint = 'checkpoints/exdark_zoo/sci_sdag_s0.pth'
seed_checkpoints = [
    'checkpoints/exdark_zoo/sci_sdag_s0.pth',
    'checkpoints/exdark_zoo/sci_sdag_s1.pth',
]
base_method = 'sci'
