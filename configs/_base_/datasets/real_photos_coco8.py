# The 8 coco8 photos (the first 8 COCO train2017 images, 30 boxes, 80 COCO classes) darkened by
# LowLightDegrade at fixed seeds, with the original photos as normal-light references (PSNR/SSIM,
# and the upper-bound row). Made on first use into data/real_photos from the third-party assets
# (or by `python data_tools/make_real_photos_set.py`). Native size: each detector applies its own
# test resize. VOC AP50 (area) over the classes present.
_base_ = ['./real_photos_test_loader.py']
shared_assets = '../shared/assets/'
real_photos_root = 'data/real_photos/'

test_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='LoadReferenceImage'),  # original photo -> gt_img (for PSNR/SSIM)
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'ref_path',
                    'gt_img')),
]
test_dataloader = dict(
    dataset=dict(
        type='RealPhotosCocoDataset',
        set_root=real_photos_root,
        assets_root=shared_assets,
        data_root=real_photos_root,
        ann_file='annotations/coco8.json',
        data_prefix=dict(img='coco8/dark/'),
        ref_prefix='coco8/normal/',
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='ClasswiseVOCMetric', iou_thrs=[0.5], eval_mode='area', prefix='voc')
