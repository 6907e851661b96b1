# SDAG guidance settings shared by the guided enhancer configs (zerodce_sdag.py, ...): a frozen
# SDAG network adds w * L1(E(x), SDAG(E(x))) to the enhancer's own unsupervised losses.
#
# Default (works out of the box, nothing downloaded): the project's own SDAG, pretrained on the
# normal-light demo images over the stem of the frozen demo detector (the paper's "subsequent
# recognition model" extractor):
#   python tools/train.py configs/sdag/sdag_pretrain_demo_detector.py --work-dir work_dirs/sdag_demo
#   python tools/export_state_dict.py work_dirs/sdag_demo/iter_1000.pth \
#       checkpoints/sdag_demo_detector.pth
# The official SDAG (VGG16 slice) instead:
#   python -m sdag_bench.sdag.semantic_aware_net --convert \
#       ../shared/assets/zheng980629+SDAG/SemanticAwareRecon.pth \
#       checkpoints/official/sdag_semantic_aware_recon.pth
#   --cfg-options custom_hooks.0.sdag.extractor.type=VGGSlice \
#       custom_hooks.0.checkpoint=checkpoints/official/sdag_semantic_aware_recon.pth
_base_ = './_base_/sdag_net_demo_detector.py'

sdag_checkpoint = 'checkpoints/sdag_demo_detector.pth'

sdag_hook = dict(type='SDAGGuidanceHook', sdag=_base_.sdag_net, checkpoint=sdag_checkpoint,
                 loss_weight=1.0, schedule='linear', warmup_iters=100)
# Grids of input | enhanced | SDAG reconstruction | error map in <work_dir>/samples.
samples_hook = dict(type='EnhancedSamplesHook', interval=500)
