# SDAG pretraining on the features of the benchmark's own frozen detector (the paper's
# "subsequent pre-trained recognition model extractor"): the stem and first stage of the demo
# RetinaNet's ResNet-18 backbone instead of the VGG16 slice. The network is defined once, in
# _base_/sdag_net_demo_detector.py; sdag_guidance.py guides the enhancers with the same one.
_base_ = ['./sdag_pretrain.py', './_base_/sdag_net_demo_detector.py']

model = dict(net=dict(_delete_=True, **_base_.sdag_net))
