# The project's SDAG network over the frozen demo detector: SemanticAwareNet whose extractor is
# the stem and first stage of the demo RetinaNet's ResNet-18. Pretrained by
# ../sdag_pretrain_demo_detector.py; it guides the enhancers of ../sdag_guidance.py.
sdag_net = dict(
    type='SemanticAwareNet',
    extractor=dict(
        type='DetectorStem',
        config='configs/detectors/demo_retinanet.py',
        checkpoint='checkpoints/demo_retinanet.pth',
        num_stages=1))
