# DARK FACE in COCO json form, made by data_tools/darkface_to_coco.py.
# Layout: data/darkface/image/<N>.png, data/darkface/annotations/darkface_<split>_<subset>.json
dataset_type = 'DarkFaceDataset'
data_root = 'data/darkface/'
backend_args = None

test_pipeline = [
    dict(type='LoadImageRobust', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/darkface_ratio80_seed0_test.json',
        data_prefix=dict(img='image/'),
        test_mode=True,
        skip_bad_images=False,
        pipeline=test_pipeline,
        backend_args=backend_args))
val_dataloader = test_dataloader

# Face AP at IoU 0.5 (VOC area mode), as for ExDark; COCO AP as the alternative.
voc_evaluator = dict(type='VOCMetric', iou_thrs=0.5, eval_mode='area', metric='mAP')
coco_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/darkface_ratio80_seed0_test.json',
    metric='bbox',
    backend_args=backend_args)
test_evaluator = voc_evaluator
val_evaluator = test_evaluator
