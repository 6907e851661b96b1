# The ExDark test set and metric of configs/_base_/datasets/exdark.py for frozen detector configs,
# under names that do not collide with the mmdet model config such a config also inherits
# (mmengine refuses a key defined in two bases), so that mmdet's tools/test.py runs the config
# on ExDark as it is. A detector config adds its own test pipeline:
#   test_dataloader = dict(_base_.frozen_test_dataloader,
#                          dataset=dict(_base_.frozen_test_dataset, pipeline=test_pipeline))
#   test_evaluator = _base_.frozen_test_evaluator
# adding `_delete_=True` to the dataset and evaluator dicts when another base (an mmdet model
# config) defines them too; a config without such a base also needs test_cfg=dict(type='TestLoop').
frozen_test_dataset = dict(
    type='ExDarkDataset',
    data_root='data/exdark/',
    ann_file='annotations/exdark_official_test.json',
    data_prefix=dict(img='ExDark/'),
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
