# The demo detector fine-tuned on the *dark* demo train split behind a frozen enhancer (the
# field's other protocol: MAET, IAT, PE-YOLO, YOLA and FeatEnHancer fine-tune their detector on
# dark images). Starts from the normal-light weights of demo_retinanet.py; the enhancer is built
# from its config and checkpoint, frozen, and left out of the saved weights, whose
# meta['frozen_enhancer'] records it (tools/export_state_dict.py keeps the record):
#   python tools/train.py configs/detectors/demo_retinanet_finetuned.py --seed 0 \
#       --cfg-options frozen_enhancer.config=configs/demo_zoo/zerodce.py \
#           frozen_enhancer.checkpoint=checkpoints/demo_zoo/zerodce_s0.pth
#   python tools/export_state_dict.py work_dirs/demo_retinanet_finetuned/epoch_1.pth OUT.pth
# tools/finetune_demo_zoo.sh fine-tunes every demo row; configs/benchmark/demo_finetuned.py
# scores them next to the frozen detector.
_base_ = ['./demo_retinanet.py']

# recorded in every benchmark cell's protocol
detector_weights = 'fine-tuned'
checkpoint = None  # the fine-tuned weights: --checkpoint PATH, or a benchmark's pairing
load_from = 'checkpoints/demo_retinanet.pth'  # the normal-light weights fine-tuning starts from
# The enhancer in front (frozen; None trains the plain detector on the dark images).
frozen_enhancer = dict(config='configs/enhancers/identity.py', checkpoint=None)

train_dataloader = dict(dataset=dict(data_prefix=dict(img='dark/train/')))

# Short schedule, sized on 2 shared CPU cores (one iteration of 16 images took 7 s there without
# enhancement, 22-25 s behind Zero-DCE; 10 runs for the demo table): one epoch of the 800 dark training images (50 iterations of 16),
# AdamW at a quarter of the from-scratch rate with a 10-iteration warm-up and a cosine decay.
# The detector already knows the shapes; only the input distribution changes.
max_epochs = 1
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs + 1)
val_cfg = None
val_dataloader = None
val_evaluator = None
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', eta_min=5e-6, begin=10, end=50, T_max=40, by_epoch=False),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs, max_keep_ckpts=1),
                     logger=dict(interval=10))
