# What the benchmarks on the public labelled low-light sets (configs/benchmark/exdark.py and
# darkface.py) share, so that both rank enhancers the same way: every enhancer of
# configs/enhancers and configs/sdag, AP50 as the ranking metric, NIQE on the very images the
# detector saw, and each enhancer's cost (parameters, FLOPs, ms per image) at 384x512.
# A benchmark config adds its name, datasets and detectors.
enhancer_dirs = ['configs/enhancers', 'configs/sdag']
primary_metric = 'AP50'
extra_metrics = [dict(type='ImageQualityMetric', metrics=('niqe', ))]
cost_cfg = dict(input_size=(384, 512), warmup=1, repeats=3)
