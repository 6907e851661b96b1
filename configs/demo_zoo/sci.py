# SCI trained by the project on the dark demo train split (no normal-light image), with the
# short CPU schedule of tools/train_demo_zoo.sh; seed 0 is the leaderboard row, seeds 1 and 2 are
# for tools/seed_study.py.
_base_ = '../enhancers/sci.py'

checkpoint = 'checkpoints/demo_zoo/sci_s0.pth'
seed_checkpoints = [
    'checkpoints/demo_zoo/sci_s0.pth',
    'checkpoints/demo_zoo/sci_s1.pth',
    'checkpoints/demo_zoo/sci_s2.pth',
]
