# Zero-DCE trained by the project on the 300 real ExDark train photos (unsupervised: no
# normal-light image), with the short CPU schedule of _base_/exdark_train.py; seed 0 is the
# leaderboard row, seed 1 is for tools/seed_study.py. Reproduced by tools/train_exdark_zoo.sh:
#   python tools/train.py configs/exdark_zoo/zerodce.py --seed 0 \
#       --work-dir work_dirs/exdark_zoo/zerodce_s0
_base_ = ['../demo_zoo/zerodce.py', './_base_/exdark_train.py']

train_dataloader = _base_.exdark_train_dataloader
train_cfg = _base_.exdark_train_cfg
default_hooks = _base_.exdark_checkpoint_hook
optim_wrapper = dict(optimizer=dict(lr=1e-3))  # the demo zoo's short-schedule rate

checkpoint = 'checkpoints/exdark_zoo/zerodce_s0.pth'
seed_checkpoints = [
    'checkpoints/exdark_zoo/zerodce_s0.pth',
    'checkpoints/exdark_zoo/zerodce_s1.pth',
]
