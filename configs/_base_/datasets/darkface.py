# DARK FACE in COCO json form, made by data_tools/darkface_to_coco.py; the ExDark test set-up
# (robust loading, resize, VOC AP50 in area mode) with another dataset, root and json.
# Layout: data/darkface/image/<N>.png, data/darkface/annotations/darkface_<split>_<subset>.json
_base_ = ['./exdark.py']

dataset_type = 'DarkFaceDataset'
data_root = 'data/darkface/'
ann_file = 'annotations/darkface_ratio80_seed0_test.json'

test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=ann_file,
                 data_prefix=dict(img='image/')))
val_dataloader = test_dataloader

coco_evaluator = dict(ann_file=data_root + ann_file)
