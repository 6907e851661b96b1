# SCI (Ma et al., CVPR 2022). Benchmark: the official "medium" weights (illumination stage only).
# Training: 3 self-calibrated stages, fidelity (1.5) + smoothing (1.0), the official Adam
# (lr 3e-4, weight decay 3e-4, clip 5).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/enhancer_adam.py',
    '../_base_/datasets/unpaired_dark.py'
]

enhancer = dict(type='SCI', stages=3)
checkpoint = 'checkpoints/official/sci_medium.pth'

model = dict(
    type='UnsupervisedEnhancerModel',
    enhancer=enhancer,
    losses=dict(
        loss_fid=dict(type='SCIFidelityLoss', loss_weight=1.5),
        loss_smooth=dict(type='SCISmoothingLoss', sigma=10.0, loss_weight=1.0)))

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=3e-4),
    clip_grad=dict(max_norm=5.0))
