"""ExDarkDataset: real ExDark photos through converter, dataset, pipeline, detector and metric."""
import json
import zipfile
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from sdag_bench.datasets.converters.exdark_yolo import convert_exdark_yolo
from sdag_bench.datasets.exdark import ExDarkDataset
from sdag_bench.registry import DATASETS, METRICS, MODELS

PROJECT = Path(__file__).resolve().parents[2]

TINY_RETINANET = dict(
    type='RetinaNet',
    data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32),
    backbone=dict(type='ResNet', depth=18, base_channels=16, num_stages=4, out_indices=(1, 2, 3),
                  norm_cfg=dict(type='BN', requires_grad=False), norm_eval=True, style='pytorch',
                  init_cfg=None),
    neck=dict(type='FPN', in_channels=[32, 64, 128], out_channels=32, start_level=0,
              num_outs=3),
    bbox_head=dict(
        type='RetinaHead', num_classes=80, in_channels=32, stacked_convs=1, feat_channels=32,
        anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=3,
                              ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32]),
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                        target_stds=[1.0] * 4),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    test_cfg=dict(nms_pre=200, min_bbox_size=0, score_thr=0.0,
                  nms=dict(type='nms', iou_threshold=0.5), max_per_img=50))


def _sci_exdark(shared_assets: Path, tmp_path: Path):
    """Convert the YOLO labels of the 5 ExDark photos in SCI's data/difficult (all as 'test')."""
    derived = json.loads((shared_assets / 'derived/exdark_sci_images_boxes.json').read_text())
    zip_path = shared_assets / 'Otachiking+Object-Detection-ExDARK-with-LLIE/Exdark_YOLO_labels.zip'
    with zipfile.ZipFile(zip_path) as archive:
        for image in derived['images']:
            member = image['yolo_label_member']
            target = tmp_path / 'tree/labels/test' / Path(member).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    images = shared_assets / 'vis-opt-group+SCI/data/difficult'
    paths, report = convert_exdark_yolo(tmp_path / 'tree', tmp_path / 'ann', images=images)
    return derived, images, paths, report


def test_converted_boxes_match_derived(shared_assets, tmp_path):
    derived, _, paths, report = _sci_exdark(shared_assets, tmp_path)
    assert report.defects() == []
    coco = json.loads(paths['test'].read_text())
    assert len(coco['images']) == 5
    by_name = {i['file_name']: i for i in coco['images']}
    names = [c['name'] for c in coco['categories']]
    for image in derived['images']:
        ours = by_name[image['exdark_name']]
        assert (ours['width'], ours['height']) == (image['width'], image['height'])
        boxes = sorted((names[a['category_id'] - 1], a['bbox']) for a in coco['annotations']
                       if a['image_id'] == ours['id'])
        expected = sorted((o['class'], o['bbox_xyxy']) for o in image['objects'])
        assert [b[0] for b in boxes] == [e[0] for e in expected]
        for (_, (x, y, w, h)), (_, (x1, y1, x2, y2)) in zip(boxes, expected):
            assert max(abs(x - x1), abs(y - y1), abs(x + w - x2), abs(y + h - y2)) <= 1.0


def test_real_photos_reach_detector(shared_assets, tmp_path):
    _, images, paths, _ = _sci_exdark(shared_assets, tmp_path)
    cfg = Config.fromfile(PROJECT / 'configs/_base_/datasets/exdark.py')
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.update(data_root='', ann_file=str(paths['test']),
                       data_prefix=dict(img=str(images) + '/'))
    assert dataset_cfg.pipeline[1].type == 'LimitPixels'  # native size unless huge
    dataset_cfg.pipeline[1] = dict(type='Resize', scale=(320, 320), keep_ratio=True)  # CPU
    dataset = DATASETS.build(dataset_cfg)
    assert isinstance(dataset, ExDarkDataset) and len(dataset) == 5
    assert dataset.metainfo['classes'][10] == 'People'
    assert dataset.metainfo['split_info'] == dict(dataset='ExDark', split='official',
                                                  subset='test', seed=None, source='yolo')
    assert sum(len(dataset.get_data_info(i)['instances']) for i in range(5)) == 9

    torch.manual_seed(0)
    model = MODELS.build(dict(type='LabelMappedDetector', detector=TINY_RETINANET)).eval()
    metric = METRICS.build(cfg.test_evaluator)
    metric.dataset_meta = dataset.metainfo
    with torch.no_grad():
        for start in (0, 2, 4):
            batch = pseudo_collate([dataset[i] for i in range(start, min(start + 2, 5))])
            assert batch['inputs'][0].dtype == torch.uint8 and batch['inputs'][0].shape[0] == 3
            outputs = model.test_step(batch)
            for sample in outputs:
                pred = sample.pred_instances
                assert len(pred) > 0 and int(pred.labels.max()) < 12
                height, width = sample.ori_shape
                assert float(pred.bboxes[:, 2].max()) <= width + 1e-3
                assert len(sample.gt_instances) > 0
            metric.process(batch, [s.to_dict() for s in outputs])
    result = metric.evaluate(5)
    assert 0.0 <= result['voc/AP50'] <= 1.0
    assert set(result) >= {f'voc/AP50/{name}' for name in ('People', 'Bicycle')}
