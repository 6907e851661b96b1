# The demo benchmark under both protocols: the frozen demo detector (trained on normal-light
# images) and the demo detector fine-tuned on the dark train split behind each enhancer
# (tools/finetune_demo_zoo.sh; two fine-tuning seeds). Each fine-tuned detector entry pairs an
# enhancer row with the weights fine-tuned behind it (enhancer_checkpoints); rows without a
# pairing (e.g. the normal-light upper bound) are skipped for it and named in the run's notes.
#   python tools/benchmark.py --benchmark demo_finetuned \
#       --enhancers zerodce,zerodce_sdag,ruas,ruas_sdag
# The leaderboard shows one row group per detector; detector_weights (frozen / fine-tuned) and
# fine_tuned_behind are in every cell's protocol. tools/finetuned_table.py puts frozen and
# fine-tuned AP50 side by side (results/demo/finetuned.md).
_base_ = ['./demo.py']
benchmark = 'demo_finetuned'

_ROWS = ('identity', 'zerodce', 'zerodce_sdag', 'ruas', 'ruas_sdag')
_CONFIG = 'configs/detectors/demo_retinanet_finetuned.py'
detectors = dict(
    demo_retinanet_finetuned_s0=dict(
        config=_CONFIG,
        enhancer_checkpoints={row: f'checkpoints/demo_finetuned/{row}_s0.pth' for row in _ROWS}),
    demo_retinanet_finetuned_s1=dict(
        config=_CONFIG,
        enhancer_checkpoints={row: f'checkpoints/demo_finetuned/{row}_s1.pth' for row in _ROWS}),
)
# AP50 is the question here: no image-quality metrics or cost measurement (the frozen demo
# benchmark has them), which keeps the 15 fine-tuned cells affordable on a CPU.
extra_metrics = []
cost_cfg = None
