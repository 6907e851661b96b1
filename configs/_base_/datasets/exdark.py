# ExDark test set in COCO json form, made by data_tools/exdark_to_coco.py.
# Layout: data/exdark/ExDark/<Class>/<image>, data/exdark/annotations/exdark_<split>_<subset>.json
# The 80/20 protocol: ann_file='annotations/exdark_8020_seed0_test.json'.
dataset_type = 'ExDarkDataset'
data_root = 'data/exdark/'
backend_args = None

# What the benchmark loads: each image at its native size (the enhancer runs there once; each
# detector then applies its own config's test-time resize/pad). Only a photo over 16.8 MP, too
# large to enhance, is downscaled first (counted in each cell's protocol).
test_pipeline = [
    dict(type='LoadImageRobust', backend_args=backend_args),
    dict(type='LimitPixels', max_pixels=4096 * 4096),
    # annotations after any resize: the metric compares with boxes in original image coordinates
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
        ann_file='annotations/exdark_official_test.json',
        data_prefix=dict(img='ExDark/'),
        test_mode=True,
        skip_bad_images=False,
        pipeline=test_pipeline,
        backend_args=backend_args))
val_dataloader = test_dataloader

# The ExDark protocol: VOC-style AP at IoU 0.5, area under the full PR curve (mmdet's VOCMetric
# numbers, plus each class's AP50 for the per-class tables).
voc_evaluator = dict(type='ClasswiseVOCMetric', iou_thrs=[0.5], eval_mode='area', prefix='voc')
# Alternative: COCO AP (set test_evaluator = coco_evaluator in a derived config).
coco_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/exdark_official_test.json',
    metric='bbox',
    backend_args=backend_args)
test_evaluator = voc_evaluator
val_evaluator = test_evaluator
