# The embedded demo benchmark: generated low-light shapes, the project-trained frozen demo
# detector, every registered enhancer. Runs on a CPU with nothing downloaded.
benchmark = 'demo'
datasets = dict(
    demo=dict(
        config='configs/_base_/datasets/demo.py',
        split='test',
        # extra row: the same detector on the normal-light references of the test images
        upper_bound=dict(
            name='normal_light',
            label='normal-light references (upper bound)',
            config='configs/enhancers/identity.py',
            dataset_overrides=dict(data_prefix=dict(img='normal/test/')))))
detectors = dict(
    demo_retinanet=dict(
        config='configs/detectors/demo_retinanet.py',
        checkpoint='checkpoints/demo_retinanet.pth'))
# Folders searched by `--enhancers all` (every config defining `enhancer = dict(...)`): the
# learnable methods trained by the project on the dark demo split, plainly and SDAG-guided
# (configs/demo_zoo), then the classical baselines and, once converted, the official weights
# (configs/enhancers), listed as `<name>_official` next to the project-trained rows.
enhancer_dirs = ['configs/demo_zoo', 'configs/enhancers']
official_suffix = '_official'
primary_metric = 'AP50'
# Visual quality on the very tensors the detector saw (NIQE; PSNR/SSIM against the references).
extra_metrics = [dict(type='ImageQualityMetric', metrics=('niqe', 'psnr', 'ssim'))]
# Enhancer cost: parameters, FLOPs (mmengine.analysis) and ms per image at this size.
cost_cfg = dict(input_size=(384, 512), warmup=1, repeats=3)
