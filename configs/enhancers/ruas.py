# RUAS (Liu et al., CVPR 2021). Benchmark: the official "upe" weights without the denoiser, as the
# official test script runs them. Training: the illumination (IEM) loss, 0.5 * fidelity +
# smoothing on the last illumination map (see sdag_bench/losses/ruas_losses.py), official SGD.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/enhancer_adam.py',
    '../_base_/datasets/unpaired_dark.py'
]

enhancer = dict(type='RUAS', denoise=False)
checkpoint = 'checkpoints/official/ruas_upe.pth'

model = dict(
    type='UnsupervisedEnhancerModel',
    enhancer=enhancer,
    losses=dict(
        loss_fid=dict(
            type='SCIFidelityLoss', loss_weight=0.5, input_keys=('inputs', 'illumination')),
        loss_smooth=dict(
            type='SCISmoothingLoss', sigma=10.0, channel_reduction='mean', loss_weight=1.0,
            input_keys=('inputs', 'illumination'))))

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.015, momentum=0.9, weight_decay=3e-4),
    clip_grad=dict(max_norm=5.0))
