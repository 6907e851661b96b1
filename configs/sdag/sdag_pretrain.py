# SDAG self-supervised pretraining, the official recipe on CPU-sized crops: frozen VGG16 conv1
# slice, 3 invertible blocks; L1(net(x), x) + 0.1 * L1(net(d(x)), d(x)) + margin ranking (0.5)
# on cos(net(x), x) > cos(net(d(x)), d(x)) for the official gamma and Gaussian-noise factors.
#   python tools/train.py configs/sdag/sdag_pretrain.py
#   python tools/export_state_dict.py work_dirs/sdag_pretrain/iter_1000.pth \
#       checkpoints/sdag_pretrain.pth
# The VGG16 conv1 weights are read from the official SDAG file converted with
#   python -m sdag_bench.sdag.semantic_aware_net --convert SemanticAwareRecon.pth \
#       checkpoints/official/sdag_semantic_aware_recon.pth
# (a torchvision VGG16 state dict works too). Default data: the normal-light demo train split.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/enhancer_adam.py',
    '../_base_/datasets/unpaired_dark.py'
]

vgg_checkpoint = 'checkpoints/official/sdag_semantic_aware_recon.pth'

model = dict(
    type='SDAGPretrainModel',
    net=dict(type='SemanticAwareNet', extractor=dict(type='VGGSlice', checkpoint=vgg_checkpoint)),
    degradations=[dict(type='GammaDegradation'), dict(type='GaussianNoiseDegradation')],
    recon_weight=1.0,
    degraded_recon_weight=0.1,
    margin=0.5,
    cosine_over='image')

train_dataloader = dict(dataset=dict(data_root='data/demo/normal/train', crop_size=32))

# Official: Adam 2e-4, halved at fixed milestones (scaled down from 300k iterations on 64 px crops).
optim_wrapper = dict(optimizer=dict(lr=2e-4, weight_decay=0.0), clip_grad=None)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[500, 750], gamma=0.5)]
train_cfg = dict(max_iters=1000)
