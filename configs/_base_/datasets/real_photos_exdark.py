# The 5 real ExDark photos that SCI ships in data/difficult (2015_*.jpg), with their real ExDark
# boxes (9 objects: Bus, People, Car), read in place from the third-party assets (never copied).
# The COCO json of their boxes is made on first use into data/real_photos (or by
# `python data_tools/make_real_photos_set.py`). Native size: each detector applies its own test
# resize. VOC AP50 (area) over the 12 ExDark classes. Five photos: enough to show that real files
# flow through enhancer, detector and metric, far too few to rank enhancers by.
_base_ = ['./real_photos_test_loader.py']
shared_assets = '../shared/assets/'
real_photos_root = 'data/real_photos/'

test_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(
    dataset=dict(
        type='RealExDarkPhotosDataset',
        set_root=real_photos_root,
        assets_root=shared_assets,
        data_root='',
        ann_file=real_photos_root + 'annotations/exdark_photos.json',
        data_prefix=dict(img=shared_assets + 'vis-opt-group+SCI/data/difficult/'),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='ClasswiseVOCMetric', iou_thrs=[0.5], eval_mode='area', prefix='voc')
