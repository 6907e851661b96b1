# The first real table: 600 photos of ExDark's official test split (50 per class, 1,745 boxes;
# re-encoded JPEGs, see configs/_base_/datasets/exdark600.py) through two frozen real COCO
# detectors, each at its own test protocol and read through the COCO->ExDark label map:
# darknet YOLOv3-tiny (416 stretch) and YOLOX-Nano (416 letterbox). Make the data root and the
# detector weights, then run (README "Real ExDark"):
#   make exdark600 darknet yolox
#   python tools/benchmark.py --benchmark exdark600 --enhancers all
# Rows: every enhancer with real weights (the authors' checkpoints, `<name>_official`), the
# classical methods, no enhancement (identity, the lower bound), and the enhancers the project
# trains on the 300 real ExDark train photos, plainly and SDAG-guided (configs/exdark_zoo).
# Rows trained only on the synthetic demo (configs/demo_zoo) answer another question and are
# left out. No image of the photos is written (their licence allows no redistribution).
_base_ = ['../_base_/benchmarks/public_dark_sets.py']
benchmark = 'exdark600'
datasets = dict(
    exdark600=dict(
        config='configs/_base_/datasets/exdark600.py',
        split='official test, 600 photos (50 per class), re-encoded JPEGs'))
detectors = dict(
    yolov3_tiny=dict(config='configs/detectors/exdark/yolov3_tiny_coco.py'),
    yolox_nano=dict(config='configs/detectors/exdark/yolox_nano_coco.py'),
)
enhancer_dirs = ['configs/exdark_zoo', 'configs/enhancers']
official_suffix = '_official'
qualitative_grid = False
