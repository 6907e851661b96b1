# Unlabelled real photos (default: 4 of the 64 DICM photos, every 16th: a CPU-sized sample),
# read in place from the third-party assets. No boxes: the metric is what a frozen COCO detector
# dares to report, confident detections (score >= 0.5, darknet's own default threshold) per
# image; NIQE comes from the benchmark. Photos over 0.15 MP (448x336; every DICM, LIME and darknet
# photo here, 0.1-1.2 MP, but the smallest LIME one) are downscaled to it before the enhancer
# (LimitPixels, aspect kept) so that the heaviest enhancers finish on a 2-core CPU; each detector
# then applies its own test resize (416x416). Another folder: set data_root and img_names=None
# (every image of the folder).
_base_ = ['./real_photos_test_loader.py']
shared_assets = '../shared/assets/'
data_root = shared_assets + 'Li-Chongyi+Zero-DCE/test_data/DICM/'
img_names = [f'{i:02d}.jpg' for i in range(1, 65, 16)]
max_pixels = 448 * 336

test_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='LimitPixels', max_pixels=max_pixels),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(
    dataset=dict(
        type='DetImageList',
        data_root=data_root,
        img_names=img_names,
        metainfo=dict(classes=('object', )),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='ConfidentDetectionCount', score_thr=0.5, counts='detections',
                      prefix='objects')
