# The embedded demo set (generated on first use into data/demo). Detectors train on the
# normal-light split; the benchmark tests on the dark split with the normal-light references.
dataset_type = 'DemoShapesDataset'
data_root = 'data/demo/'
image_scale = (192, 192)  # the generated size

train_pipeline = [
    dict(type='LoadImageRobust'),  # names the file on any read failure
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
# What the benchmark loads: each image at its native size, enhanced once; every detector then
# applies its own config's test-time resize (configs/detectors/demo_retinanet.py: 192 px).
test_pipeline = [
    dict(type='LoadImageRobust'),  # names the file on any read failure
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='LoadReferenceImage'),  # normal-light reference -> gt_img (for PSNR/SSIM)
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'ref_path',
                    'gt_img')),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/train.json',
        data_prefix=dict(img='normal/train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/val.json',
        data_prefix=dict(img='normal/val/'),
        test_mode=True,
        pipeline=test_pipeline))
# The benchmark's default: dark test images, normal-light references for PSNR/SSIM (the
# validation loader on the test split).
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        val_dataloader['dataset'],
        ann_file='annotations/test.json',
        data_prefix=dict(img='dark/test/'),
        ref_prefix='normal/test/'))

val_evaluator = [
    dict(type='ClasswiseVOCMetric', iou_thrs=[0.5], eval_mode='area', prefix='voc'),
    dict(type='CocoMetric', metric='bbox', ann_file=data_root + 'annotations/val.json',
         format_only=False, prefix='coco'),
]
test_evaluator = [
    dict(type='ClasswiseVOCMetric', iou_thrs=[0.5], eval_mode='area', prefix='voc'),
    dict(type='CocoMetric', metric='bbox', ann_file=data_root + 'annotations/test.json',
         format_only=False, classwise=True, prefix='coco'),
]
