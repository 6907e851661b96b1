# Zero-DCE++ trained by the project on the dark demo train split with SDAG guidance (the project
# SDAG over the demo detector's stem, configs/sdag/sdag_guidance.py); same schedule and seeds
# as zerodce_pp.py.
_base_ = '../sdag/zerodcepp_sdag.py'

# evaluated at the scale it was trained at (the official 1/12 is for large photos)
enhancer = dict(scale_factor=1)
checkpoint = 'checkpoints/demo_zoo/zerodce_pp_sdag_s0.pth'
seed_checkpoints = [
    'checkpoints/demo_zoo/zerodce_pp_sdag_s0.pth',
    'checkpoints/demo_zoo/zerodce_pp_sdag_s1.pth',
    'checkpoints/demo_zoo/zerodce_pp_sdag_s2.pth',
]
base_method = 'zerodce_pp'
