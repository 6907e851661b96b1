# SCI, plus SDAG guidance (settings in sdag_guidance.py; without the hook: plain SCI).
#   python tools/train.py configs/sdag/sci_sdag.py
#   python tools/export_state_dict.py work_dirs/sci_sdag/iter_5000.pth \
#       checkpoints/trained/sci_sdag.pth
_base_ = ['../enhancers/sci.py', './sdag_guidance.py']

checkpoint = 'checkpoints/trained/sci_sdag.pth'  # the trained enhancer, for the benchmark
custom_hooks = [_base_.sdag_hook, _base_.samples_hook]
