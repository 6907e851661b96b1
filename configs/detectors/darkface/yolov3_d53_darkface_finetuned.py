# YOLOv3 (DarkNet-53, 608 px) fine-tuned on DARK FACE by the user (the YOLA protocol): 1 class
# (face), no label map. Start from the COCO weights (checkpoint_url of
# ../exdark/yolov3_d53_coco.py):
#   python tools/train.py configs/detectors/darkface/yolov3_d53_darkface_finetuned.py \
#       --cfg-options load_from=PATH_TO_COCO_WEIGHTS train_cfg.max_epochs=N
# then export a plain state dict and benchmark it with --checkpoint PATH.
# Same detector and test pipeline as the ExDark fine-tuned config; only classes and data differ.
_base_ = ['../exdark/yolov3_d53_exdark_finetuned.py']

model = dict(bbox_head=dict(num_classes=1))

dataset_type = 'DarkFaceDataset'
data_root = 'data/darkface/'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/darkface_ratio80_seed0_train.json',
        data_prefix=dict(img='image/')))
# the test set of configs/_base_/datasets/darkface.py (the metric, VOC AP50 area, is inherited)
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/darkface_ratio80_seed0_test.json',
        data_prefix=dict(img='image/')))
val_dataloader = test_dataloader
