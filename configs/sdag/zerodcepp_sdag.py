# Zero-DCE++, plus SDAG guidance (settings in sdag_guidance.py; without the hook: plain Zero-DCE++).
#   python tools/train.py configs/sdag/zerodcepp_sdag.py
#   python tools/export_state_dict.py work_dirs/zerodcepp_sdag/iter_5000.pth \
#       checkpoints/trained/zerodcepp_sdag.pth
_base_ = ['../enhancers/zerodce_pp.py', './sdag_guidance.py']

checkpoint = 'checkpoints/trained/zerodcepp_sdag.pth'  # the trained enhancer, for the benchmark
custom_hooks = [_base_.sdag_hook, _base_.samples_hook]
