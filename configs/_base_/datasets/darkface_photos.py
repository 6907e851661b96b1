# Seven real DARK FACE photos (no face labels here), as shipped in SCI's repository
# (data/difficult), read in place from the third-party assets folder (never copied).
# Original size, as RetinaFace is tested; the metric counts confident faces (score >= 0.5).
_base_ = ['./real_photos_test_loader.py']
data_root = '../shared/assets/vis-opt-group+SCI/data/difficult/'
img_names = ['1482.png', '234.png', '252.png', '2850.png', '372.png', '644.png', '645.png']

test_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(
    dataset=dict(
        type='DetImageList',
        data_root=data_root,
        img_names=img_names,
        metainfo=dict(classes=('face', )),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='ConfidentDetectionCount', score_thr=0.5, counts='faces',
                      prefix='faces')
