# Unlabelled real photos (default: the 64 DICM photos), read in place from the third-party assets.
# No boxes: the metric is what a frozen COCO detector dares to report, confident detections
# (score >= 0.5, darknet's own default threshold) per image; NIQE comes from the benchmark.
# Native size (at most 1.2 MP here, no resizing before the enhancer); each detector applies its
# own test resize. Another folder: set data_root (e.g. --cfg-options on the benchmark).
shared_assets = '../shared/assets/'
data_root = shared_assets + 'Li-Chongyi+Zero-DCE/test_data/DICM/'

test_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='DetImageList',
        data_root=data_root,
        metainfo=dict(classes=('object', )),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='ConfidentDetectionCount', score_thr=0.5, prefix='objects')
