# The ExDark test set and metric of configs/_base_/datasets/exdark.py for frozen detector configs,
# under names that do not collide with the mmdet model config such a config also inherits
# (mmengine refuses a key defined in two bases). A detector config adds its own test pipeline:
#   test_dataloader = dict(batch_size=1,
#                          dataset=dict(_base_.frozen_test_dataset, pipeline=test_pipeline))
#   test_evaluator = _base_.frozen_test_evaluator
frozen_test_dataset = dict(
    _delete_=True,
    type='ExDarkDataset',
    data_root='data/exdark/',
    ann_file='annotations/exdark_official_test.json',
    data_prefix=dict(img='ExDark/'),
    test_mode=True,
    skip_bad_images=False)
frozen_test_evaluator = dict(
    _delete_=True, type='VOCMetric', iou_thrs=0.5, eval_mode='area', metric='mAP')
frozen_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')
