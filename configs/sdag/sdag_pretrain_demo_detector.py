# SDAG pretraining on the features of the benchmark's own frozen detector (the paper's
# "subsequent pre-trained recognition model extractor"): the stem and first stage of the demo
# RetinaNet's ResNet-18 backbone instead of the VGG16 slice. Guide an enhancer with the result by
# giving SDAGGuidanceHook the same `sdag_net` (see configs/sdag/zerodce_sdag.py).
_base_ = ['./sdag_pretrain.py']

sdag_net = dict(
    type='SemanticAwareNet',
    extractor=dict(
        type='DetectorStem',
        config='configs/detectors/demo_retinanet.py',
        checkpoint='checkpoints/demo_retinanet.pth',
        num_stages=1))

model = dict(net=dict(_delete_=True, **sdag_net))
