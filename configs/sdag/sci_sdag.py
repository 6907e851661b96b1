# SCI, plus SDAG guidance: w * L1(E(x), SDAG(E(x))) with a frozen SDAG network, added to the
# enhancer's own unsupervised losses by SDAGGuidanceHook (remove the hook to train plain SCI).
#   python tools/train.py configs/sdag/sci_sdag.py
#   python tools/export_state_dict.py work_dirs/sci_sdag/iter_5000.pth checkpoints/trained/sci_sdag.pth
# SDAG weights: the official SemanticAwareRecon.pth (converted or as is) or our own pretraining
# (configs/sdag/sdag_pretrain.py, exported): --cfg-options custom_hooks.0.checkpoint=PATH
_base_ = ['../enhancers/sci.py']

checkpoint = 'checkpoints/trained/sci_sdag.pth'  # the trained enhancer, for the benchmark
sdag_net = dict(type='SemanticAwareNet')  # official architecture: VGG16 conv1 slice
sdag_checkpoint = 'checkpoints/official/sdag_semantic_aware_recon.pth'

custom_hooks = [
    dict(type='SDAGGuidanceHook', sdag=sdag_net, checkpoint=sdag_checkpoint, loss_weight=1.0,
         schedule='linear', warmup_iters=100),
    dict(type='EnhancedSamplesHook', interval=500),
]
