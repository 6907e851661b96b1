# Zero-DCE (Guo et al., CVPR 2020). Benchmark: the official Epoch99 weights, converted by
# tools/convert_official.py. Training: the published non-reference losses and weights.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/enhancer_adam.py',
    '../_base_/datasets/unpaired_dark.py'
]

enhancer = dict(type='ZeroDCE')
checkpoint = 'checkpoints/official/zerodce_epoch99.pth'

model = dict(
    type='UnsupervisedEnhancerModel',
    enhancer=enhancer,
    losses=dict(
        loss_spa=dict(type='SpatialConsistencyLoss', loss_weight=1.0),
        loss_exp=dict(type='ExposureControlLoss', patch_size=16, target=0.6, loss_weight=10.0),
        loss_col=dict(type='ColorConstancyLoss', loss_weight=5.0),
        loss_tv=dict(type='IlluminationSmoothnessLoss', loss_weight=200.0)))
