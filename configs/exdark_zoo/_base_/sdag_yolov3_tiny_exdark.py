# SDAG guidance from the detector that judges: the SDAG net over the frozen stem of darknet's COCO
# YOLOv3-tiny, pretrained on the ExDark train photos
# (configs/sdag/sdag_pretrain_yolov3_tiny_exdark.py, iteration 200, exported to
# checkpoints/sdag_yolov3_tiny_exdark.pth by tools/train_exdark_zoo.sh). The demo
# zoo's weight (1) and linear warm-up over the first third of the schedule (40 of 120 iterations).
_base_ = ['../../sdag/_base_/sdag_net_yolov3_tiny.py']

sdag_checkpoint = 'checkpoints/sdag_yolov3_tiny_exdark.pth'
sdag_hook = dict(type='SDAGGuidanceHook', sdag=_base_.sdag_net, checkpoint=sdag_checkpoint,
                 loss_weight=1.0, schedule='linear', warmup_iters=40)
# Grids of input | enhanced | SDAG reconstruction | error map in <work_dir>/samples (ignored by
# git: they show the third-party photos).
samples_hook = dict(type='EnhancedSamplesHook', interval=120)
