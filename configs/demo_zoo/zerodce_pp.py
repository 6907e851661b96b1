# Zero-DCE++ trained by the project on the dark demo train split (no normal-light image), with the
# short CPU schedule of tools/train_demo_zoo.sh; seed 0 is the leaderboard row, seeds 1 and 2 are
# for tools/seed_study.py.
_base_ = '../enhancers/zerodce_pp.py'

# evaluated at the scale it was trained at (the official 1/12 is for large photos)
enhancer = dict(scale_factor=1)
checkpoint = 'checkpoints/demo_zoo/zerodce_pp_s0.pth'
seed_checkpoints = [
    'checkpoints/demo_zoo/zerodce_pp_s0.pth',
    'checkpoints/demo_zoo/zerodce_pp_s1.pth',
    'checkpoints/demo_zoo/zerodce_pp_s2.pth',
]
