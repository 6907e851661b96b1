# The DARK FACE test set and metric of configs/_base_/datasets/darkface.py for frozen detector
# configs, under names that do not collide with the mmdet model config such a config also
# inherits (see exdark_frozen_test.py for the use).
frozen_test_dataset = dict(
    type='DarkFaceDataset',
    data_root='data/darkface/',
    ann_file='annotations/darkface_ratio80_seed0_test.json',
    data_prefix=dict(img='image/'),
    test_mode=True,
    skip_bad_images=False)
frozen_test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False))
frozen_test_evaluator = dict(type='VOCMetric', iou_thrs=0.5, eval_mode='area', metric='mAP')
frozen_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')
