"""The harness's AP equals mmdet's own test loop on enhanced images saved to disk."""
import json
import os
import shutil

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.evaluate import evaluate_cell
from sdag_bench.datasets.demo import ensure_demo_set
from sdag_bench.enhancers.builder import build_enhancer_from_config

DETECTOR = 'configs/detectors/demo_retinanet.py'
CHECKPOINT = 'checkpoints/demo_retinanet.pth'


def _save_enhanced_copy(src_root, dst_root, enhancer):
    """Enhance the test images and save them as 8-bit PNGs with their annotations."""
    coco = json.load(open(os.path.join(src_root, 'annotations', 'test.json')))
    os.makedirs(os.path.join(dst_root, 'annotations'))
    os.makedirs(os.path.join(dst_root, 'dark', 'test'))
    with open(os.path.join(dst_root, 'annotations', 'test.json'), 'w') as f:
        json.dump(coco, f)
    for info in coco['images']:
        bgr = cv2.imread(os.path.join(src_root, 'dark', 'test', info['file_name']))
        rgb = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)[None].float() / 255
        out = enhancer(rgb)[0].clamp(0, 1).permute(1, 2, 0).numpy()
        png = np.round(out * 255).astype(np.uint8)[..., ::-1]
        cv2.imwrite(os.path.join(dst_root, 'dark', 'test', info['file_name']), png)
    shutil.copy(os.path.join(src_root, 'spec.json'), os.path.join(dst_root, 'spec.json'))


def test_harness_ap_equals_mmdet_test_loop_on_saved_images(tmp_path):
    root = str(ensure_demo_set())
    saved = str(tmp_path / 'enhanced')
    enhancer = build_enhancer_from_config('configs/enhancers/gamma.py')
    _save_enhanced_copy(root, saved, enhancer)

    # (a) the harness: enhancer inside the data preprocessor, on the dark images in memory
    cell = CellSpec(EnhancerSpec('gamma', 'configs/enhancers/gamma.py'),
                    DatasetSpec('demo', 'configs/_base_/datasets/demo.py'),
                    DetectorSpec('demo_retinanet', DETECTOR, CHECKPOINT))
    harness = evaluate_cell(cell, progress=False)['metrics']

    # (b) mmdet's own test loop (Runner.test, as tools/test.py runs it) on the saved PNGs
    cfg = Config.fromfile(DETECTOR)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.load_from = CHECKPOINT
    cfg.test_dataloader.dataset.update(data_root=saved + '/', generate=False)
    cfg.test_dataloader.dataset.pop('ref_prefix')
    cfg.test_evaluator = [dict(type='ClasswiseVOCMetric', iou_thrs=[0.5], eval_mode='area',
                               prefix='voc'),
                          dict(type='CocoMetric', metric='bbox', prefix='coco',
                               ann_file=os.path.join(saved, 'annotations', 'test.json'))]
    cfg.default_hooks.visualization = dict(type='DetVisualizationHook', draw=False)
    reference = Runner.from_cfg(cfg).test()

    # the only difference is 8-bit rounding of the saved PNGs: at most 0.5 AP point
    assert abs(harness['voc/AP50'] - reference['voc/AP50']) <= 0.005, (harness, reference)
    assert abs(harness['coco/bbox_mAP'] - reference['coco/bbox_mAP']) <= 0.005
