# SDAG guidance settings shared by the guided enhancer configs (zerodce_sdag.py, ...): a frozen
# SDAG network adds w * L1(E(x), SDAG(E(x))) to the enhancer's own unsupervised losses.
# SDAG weights: the official SemanticAwareRecon.pth (as is, or converted with
# `python -m sdag_bench.sdag.semantic_aware_net --convert`), or our own pretraining
# (configs/sdag/sdag_pretrain.py, exported): --cfg-options custom_hooks.0.checkpoint=PATH.
sdag_net = dict(type='SemanticAwareNet')  # official architecture: VGG16 conv1 slice
sdag_checkpoint = 'checkpoints/official/sdag_semantic_aware_recon.pth'

sdag_hook = dict(type='SDAGGuidanceHook', sdag=sdag_net, checkpoint=sdag_checkpoint,
                 loss_weight=1.0, schedule='linear', warmup_iters=100)
# Grids of input | enhanced | SDAG reconstruction | error map in <work_dir>/samples.
samples_hook = dict(type='EnhancedSamplesHook', interval=500)
