# How many confident faces (score >= 0.5) the official WIDER FACE RetinaFace-mnet0.25 finds in
# seven real DARK FACE photos after each enhancer. No face labels exist here, so this is a count,
# not an AP: it shows what an enhancer lets a frozen face detector dare to report.
#   python tools/benchmark.py --benchmark configs/benchmark/darkface_photos.py --enhancers all
# Needs the third-party assets in ../shared/assets (photos and weights, read in place).
benchmark = 'darkface_photos'
datasets = dict(
    darkface_photos=dict(config='configs/_base_/datasets/darkface_photos.py', split='7 photos'))
# Weights: the config's own checkpoint (the official file, by path).
detectors = dict(retinaface=dict(config='configs/detectors/darkface/retinaface_mnet025.py'))
enhancer_dirs = ['configs/enhancers', 'configs/sdag']
primary_metric = 'faces'
# NIQE on the very tensors the detector saw.
extra_metrics = [dict(type='ImageQualityMetric', metrics=('niqe', ))]
cost_cfg = None
