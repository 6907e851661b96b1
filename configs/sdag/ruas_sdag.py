# RUAS, plus SDAG guidance (settings in sdag_guidance.py; without the hook: plain RUAS).
#   python tools/train.py configs/sdag/ruas_sdag.py
#   python tools/export_state_dict.py work_dirs/ruas_sdag/iter_5000.pth \
#       checkpoints/trained/ruas_sdag.pth
_base_ = ['../enhancers/ruas.py', './sdag_guidance.py']

checkpoint = 'checkpoints/trained/ruas_sdag.pth'  # the trained enhancer, for the benchmark
custom_hooks = [_base_.sdag_hook, _base_.samples_hook]
