# DARK FACE (converted with data_tools/darkface_to_coco.py): frozen face detectors, VOC AP50 in
# area mode on one class (face). Default test set: the seeded 80/20 split's test json
# (annotations/darkface_ratio80_seed0_test.json); another one with --cfg-options, e.g.
#   python tools/benchmark.py --benchmark darkface --data-root data/darkface \
#       --cfg-options test_dataloader.dataset.ann_file=annotations/darkface_list_test.json
# RetinaFace-mnet0.25 uses the official WIDER FACE weights by path (../shared/assets); the mmdet
# WIDER FACE detectors and the fine-tuned YOLOv3 need weights: --detectors NAME --checkpoint PATH.
_base_ = ['../_base_/benchmarks/public_dark_sets.py']
benchmark = 'darkface'
datasets = dict(
    darkface=dict(
        config='configs/_base_/datasets/darkface.py',
        split='ratio80 seed0 test',
        # unreadable images are dropped and counted in the cell (skipped_images), not fatal
        cfg_options={'test_dataloader.dataset.skip_bad_images': True}))
detectors = dict(
    retinaface=dict(config='configs/detectors/darkface/retinaface_mnet025.py'),
    ssd300=dict(config='configs/detectors/darkface/ssd300_widerface.py'),
    retinanet=dict(config='configs/detectors/darkface/retinanet_r50_fpn_widerface.py'),
    yolov3_darkface_finetuned=dict(
        config='configs/detectors/darkface/yolov3_d53_darkface_finetuned.py'),
)
