# Zero-DCE, plus SDAG guidance (settings in sdag_guidance.py; without the hook: plain Zero-DCE).
#   python tools/train.py configs/sdag/zerodce_sdag.py
#   python tools/export_state_dict.py work_dirs/zerodce_sdag/iter_5000.pth \
#       checkpoints/trained/zerodce_sdag.pth
_base_ = ['../enhancers/zerodce.py', './sdag_guidance.py']

checkpoint = 'checkpoints/trained/zerodce_sdag.pth'  # the trained enhancer, for the benchmark
custom_hooks = [_base_.sdag_hook, _base_.samples_hook]
