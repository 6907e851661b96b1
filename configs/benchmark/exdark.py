# ExDark (official split, test set 2563 images): frozen COCO detectors read through the
# COCO->ExDark label map, VOC AP50 in area mode. Needs the converted annotations and the images
# (see README "ExDark and DARK FACE") and each detector's COCO weights, passed by path:
#   python tools/benchmark.py --benchmark exdark --data-root data/exdark \
#       --detectors yolov3 --checkpoint path/to/yolov3_d53_mstrain-608_273e_coco.pth
# The 80/20 protocol: --cfg-options \
#       test_dataloader.dataset.ann_file=annotations/exdark_8020_seed0_test.json
# Detectors fine-tuned on ExDark (YOLA protocol): --detectors yolov3_exdark_finetuned.
_base_ = ['../_base_/benchmarks/public_dark_sets.py']
benchmark = 'exdark'
datasets = dict(
    exdark=dict(
        config='configs/_base_/datasets/exdark.py',
        split='official test',
        # unreadable images are dropped and counted in the cell (skipped_images), not fatal
        cfg_options={'test_dataloader.dataset.skip_bad_images': True}))
detectors = dict(
    # darknet's COCO YOLOv3-tiny, converted with tools/convert_darknet.py (416 px)
    yolov3_tiny=dict(config='configs/detectors/exdark/yolov3_tiny_coco.py'),
    # YOLOX-Nano (COCO, ONNX export converted with tools/convert_yolox_onnx.py; 416 letterbox)
    yolox_nano=dict(config='configs/detectors/exdark/yolox_nano_coco.py'),
    yolov3=dict(config='configs/detectors/exdark/yolov3_d53_coco.py'),
    retinanet=dict(config='configs/detectors/exdark/retinanet_r50_fpn_coco.py'),
    tood=dict(config='configs/detectors/exdark/tood_r50_fpn_coco.py'),
    rtmdet=dict(config='configs/detectors/exdark/rtmdet_l_coco.py'),
    yolov3_exdark_finetuned=dict(config='configs/detectors/exdark/yolov3_d53_exdark_finetuned.py'),
)
