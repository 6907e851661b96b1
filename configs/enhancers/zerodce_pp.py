# Zero-DCE++ (Li et al., TPAMI 2021). Benchmark: official Epoch99 weights, curve map estimated at
# 1/12 scale as in the official test. Training: at full scale, illumination smoothness weight 1600.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/enhancer_adam.py',
    '../_base_/datasets/unpaired_dark.py'
]

enhancer = dict(type='ZeroDCEPP', scale_factor=12)
checkpoint = 'checkpoints/official/zerodcepp_epoch99.pth'

model = dict(
    type='UnsupervisedEnhancerModel',
    enhancer=dict(enhancer, scale_factor=1),  # trained at full scale; the official test: 1/12
    losses=dict(
        loss_spa=dict(type='SpatialConsistencyLoss', loss_weight=1.0),
        loss_exp=dict(type='ExposureControlLoss', patch_size=16, target=0.6, loss_weight=10.0),
        loss_col=dict(type='ColorConstancyLoss', loss_weight=5.0),
        loss_tv=dict(type='IlluminationSmoothnessLoss', loss_weight=1600.0)))
