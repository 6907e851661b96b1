# Real photos through real detectors: darknet YOLOv3-tiny and YOLOX-Nano trained on COCO, frozen,
# behind every registered enhancer. Needs the third-party assets beside the project
# (../shared/assets: photos, labels, detector weights; read in place, never copied) and the
# converted detector weights:
#   python tools/convert_darknet.py ../shared/assets/pjreddie+darknet/yolov3-tiny.cfg \
#       ../shared/assets/pjreddie+darknet/yolov3-tiny.weights \
#       checkpoints/darknet/yolov3_tiny_coco.pth
#   python tools/convert_yolox_onnx.py \
#       ../shared/assets/Bigisland1729+object-detection-models/yolox_nano.onnx \
#       checkpoints/yolox/yolox_nano_coco.pth
#   python tools/benchmark.py --benchmark real_photos --enhancers all
# The coco8 dark copies and the json files are made on first use into data/real_photos (or by
# `python data_tools/make_real_photos_set.py`). Rows:
#   exdark_photos    5 real ExDark photos, real ExDark boxes, YOLOv3-tiny through the COCO->ExDark
#                    label map (AP50);
#   coco8_dark       the 8 coco8 photos darkened by LowLightDegrade (seeds 0-7), plain 80-class
#                    YOLOv3-tiny (AP50; PSNR/SSIM against the originals, which are the upper bound);
#   dicm, lime, darknet_samples: unlabelled (4 of the 64 DICM photos, the 9 LIME photos, darknet's
#                    6 samples; photos over 0.15 MP downscaled to it before the enhancer),
#                    confident detections (score >= 0.5) and NIQE.
# So few labelled photos (5 and 8, 9 and 30 boxes) make AP50 jump in steps of a whole box: read
# differences of a few points as noise. On your own folders: --datasets dicm --data-root PATH
# (unlabelled), or point the dataset configs' data roots elsewhere.
benchmark = 'real_photos'
datasets = dict(
    exdark_photos=dict(config='configs/_base_/datasets/real_photos_exdark.py',
                       split='5 ExDark photos',
                       detectors=['yolov3_tiny_exdark', 'yolox_nano_exdark']),
    coco8_dark=dict(
        config='configs/_base_/datasets/real_photos_coco8.py',
        split='8 coco8 photos, darkened',
        detectors=['yolov3_tiny', 'yolox_nano'],
        upper_bound=dict(
            name='normal_light',
            label='original photos (upper bound)',
            config='configs/enhancers/identity.py',
            dataset_overrides=dict(data_prefix=dict(img='coco8/normal/')))),
    dicm=dict(config='configs/_base_/datasets/real_photos_unlabelled.py',
              split='4 DICM photos (every 16th)', detectors=['yolov3_tiny', 'yolox_nano']),
    lime=dict(config='configs/_base_/datasets/real_photos_lime.py', split='9 LIME photos',
              detectors=['yolov3_tiny', 'yolox_nano']),
    darknet_samples=dict(config='configs/_base_/datasets/real_photos_darknet_samples.py',
                         split='6 darknet samples', detectors=['yolov3_tiny', 'yolox_nano']),
)
# Weights: each config's own checkpoint (the converted darknet / ONNX file).
detectors = dict(
    yolov3_tiny=dict(config='configs/detectors/coco/yolov3_tiny.py'),
    yolov3_tiny_exdark=dict(config='configs/detectors/exdark/yolov3_tiny_coco.py'),
    yolox_nano=dict(config='configs/detectors/coco/yolox_nano.py'),
    yolox_nano_exdark=dict(config='configs/detectors/exdark/yolox_nano_coco.py'),
)
enhancer_dirs = ['configs/enhancers', 'configs/sdag']
primary_metric = 'AP50'
# NIQE on the very tensors the detector saw; PSNR/SSIM where a reference exists (coco8).
extra_metrics = [dict(type='ImageQualityMetric', metrics=('niqe', 'psnr', 'ssim'))]
cost_cfg = None
# Third-party photos under licences that do not allow redistribution: no image grid of them.
qualitative_grid = False
