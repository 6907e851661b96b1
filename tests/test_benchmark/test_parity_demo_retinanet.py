"""Parity: the harness's AP equals mmdet's own test loop (``Runner.test`` with the detector's own
config, as ``tools/test.py`` runs it) on the enhanced images saved as 8-bit PNGs.

The demo RetinaNet makes real predictions (checkpoints/demo_retinanet.pth). Its own config
resizes to 192 px, the demo images' size; a derived config testing at 288 px (a real resize,
boxes mapped back through ``scale_factor``) checks that the harness applies the detector's own
test-time transforms, not the dataset's.
"""
import json
import os
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.run.evaluate import evaluate_cell
from sdag_bench.benchmark.options import EvaluationOptions
from sdag_bench.datasets.demo import ensure_demo_set
from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.utils.paths import PROJECT_ROOT

DETECTOR = 'configs/detectors/demo_retinanet.py'
CHECKPOINT = 'checkpoints/demo_retinanet.pth'
NUM_IMAGES = 48


def _save_enhanced_copy(src_root: str, dst_root: str, enhancer) -> None:
    """Enhance the dark test images and save them as 8-bit PNGs with their annotations."""
    with open(os.path.join(src_root, 'annotations', 'test.json')) as f:
        coco = json.load(f)
    os.makedirs(os.path.join(dst_root, 'annotations'))
    os.makedirs(os.path.join(dst_root, 'dark', 'test'))
    shutil.copy(os.path.join(src_root, 'annotations', 'test.json'),
                os.path.join(dst_root, 'annotations', 'test.json'))
    for info in coco['images']:
        bgr = cv2.imread(os.path.join(src_root, 'dark', 'test', info['file_name']))
        rgb = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad():
            out = enhancer(rgb)[0].clamp(0, 1).permute(1, 2, 0).numpy()
        png = np.round(out * 255).astype(np.uint8)[..., ::-1]
        cv2.imwrite(os.path.join(dst_root, 'dark', 'test', info['file_name']), png)
    shutil.copy(os.path.join(src_root, 'spec.json'), os.path.join(dst_root, 'spec.json'))


def _mmdet_test(detector_config: str, saved: str, work_dir: str) -> dict:
    """``Runner.test`` with the detector's own config (pipeline, evaluator) on the PNGs."""
    cfg = Config.fromfile(detector_config)
    cfg.work_dir = work_dir
    cfg.load_from = CHECKPOINT
    cfg.test_dataloader.dataset.update(data_root=saved + '/', generate=False,
                                       indices=NUM_IMAGES)
    cfg.test_dataloader.dataset.pop('ref_prefix', None)
    for metric in cfg.test_evaluator:
        if 'ann_file' in metric:
            metric.ann_file = os.path.join(saved, 'annotations', 'test.json')
    cfg.default_hooks.visualization = dict(type='DetVisualizationHook', draw=False)
    return Runner.from_cfg(cfg).test()


def _harness(detector_config: str) -> dict:
    cell = CellSpec(EnhancerSpec('gamma', 'configs/enhancers/gamma.py',
                                 dataset_overrides=dict(indices=NUM_IMAGES)),
                    DatasetSpec('demo', 'configs/_base_/datasets/demo.py'),
                    DetectorSpec('demo_retinanet', detector_config, CHECKPOINT))
    return evaluate_cell(cell, EvaluationOptions(progress=False))


def _assert_parity(harness: dict, reference: dict) -> None:
    metrics = harness['metrics']
    # the same uint8 images, transforms, model and evaluators: the same numbers, exactly
    # (mmdet rounds 'voc/AP50' and 'coco/bbox_mAP' to 3 decimals; 'voc/mAP' is not rounded)
    assert harness['raw_metrics']['voc/mAP'] == reference['voc/mAP'], (harness, reference)
    assert metrics['AP50'] == reference['voc/AP50'], (metrics, reference)
    assert metrics['mAP'] == reference['coco/bbox_mAP'], (metrics, reference)


def test_harness_equals_mmdet_test_loop_with_the_demo_detector_config(tmp_path):
    root = str(ensure_demo_set())
    saved = str(tmp_path / 'enhanced')
    _save_enhanced_copy(root, saved, build_enhancer_from_config('configs/enhancers/gamma.py'))
    harness = _harness(DETECTOR)
    reference = _mmdet_test(DETECTOR, saved, str(tmp_path / 'work'))
    _assert_parity(harness, reference)
    protocol = harness['protocol']
    assert protocol['enhanced_at'] == 'native'
    assert protocol['detector_input'] == 'Resize(scale=(192, 192), keep_ratio=True)'


@pytest.mark.slow  # ~15 s; mmdet's own test loop stays in the fast tier (test above)
def test_harness_applies_the_detectors_own_test_scale(tmp_path):
    """A detector config testing at 288 px: the harness resizes the 192 px enhanced images as
    mmdet would, and boxes come back in 192 px image coordinates."""
    root = str(ensure_demo_set())
    saved = str(tmp_path / 'enhanced')
    _save_enhanced_copy(root, saved, build_enhancer_from_config('configs/enhancers/gamma.py'))
    config = tmp_path / 'demo_retinanet_288.py'
    config.write_text(
        f"_base_ = '{PROJECT_ROOT / DETECTOR}'\n"
        "test_pipeline = [\n"
        "    dict(type='LoadImageFromFile'),\n"
        "    dict(type='Resize', scale=(288, 288), keep_ratio=True),\n"
        "    dict(type='LoadAnnotations', with_bbox=True),\n"
        "    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',\n"
        "                                          'img_shape', 'scale_factor')),\n"
        "]\n"
        "test_dataloader = dict(dataset=dict(pipeline=test_pipeline))\n")
    harness = _harness(str(config))
    reference = _mmdet_test(str(config), saved, str(tmp_path / 'work'))
    _assert_parity(harness, reference)
    assert harness['protocol']['detector_input_size'] == [288, 288]
    # the scale matters for this detector, so the equality above is not vacuous
    at_192 = _harness(DETECTOR)['metrics']['AP50']
    assert abs(at_192 - harness['metrics']['AP50']) > 0.01, (at_192, harness['metrics'])
