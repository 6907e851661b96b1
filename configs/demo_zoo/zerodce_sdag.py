# Zero-DCE trained by the project on the dark demo train split with SDAG guidance (the project
# SDAG over the demo detector's stem, configs/sdag/sdag_guidance.py); same schedule and seeds
# as zerodce.py.
_base_ = '../sdag/zerodce_sdag.py'

checkpoint = 'checkpoints/demo_zoo/zerodce_sdag_s0.pth'
seed_checkpoints = [
    'checkpoints/demo_zoo/zerodce_sdag_s0.pth',
    'checkpoints/demo_zoo/zerodce_sdag_s1.pth',
    'checkpoints/demo_zoo/zerodce_sdag_s2.pth',
]
base_method = 'zerodce'
