"""Every detector config works with OpenMMLab's own entry points, as a new user tries them:
mmdet's ``init_detector`` + ``inference_detector`` (the same boxes as the benchmark's frozen
detector), ``DetInferencer`` with its visualisation, and mmengine's ``Runner.from_cfg(cfg).test()``
on a small dataset of the config's own type. Real weights where the config's checkpoint exists
(the demo RetinaNet, darknet's YOLOv3-tiny, RetinaFace), random weights otherwise. The folder is
globbed: a new config is tested without editing this file (the light ones in the fast tier)."""
import glob
import json
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmdet.apis import DetInferencer, inference_detector
from mmdet.apis import init_detector as mmdet_init_detector
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.runner import Runner

from sdag_bench.benchmark.run.detector_transforms import DetectorTestTransforms
from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector, inner_detector
from sdag_bench.detectors.inference import config_class_names, init_detector
from sdag_bench.utils.paths import PROJECT_ROOT

CONFIGS = sorted(glob.glob(str(PROJECT_ROOT / 'configs/detectors/**/*.py'), recursive=True))
#: Light detectors (a few million parameters at most): tested in the fast tier; every other
#: config (ResNet-50, Darknet-53, RTMDet-L, ... at random weights) in the slow one.
LIGHT = {'demo_retinanet.py', 'coco/yolov3_tiny.py',
         'exdark/yolov3_tiny_coco.py', 'darkface/retinaface_mnet025.py', 'coco/yolox_nano.py',
         'exdark/yolox_nano_coco.py'}


def _name(path: str) -> str:
    return path.split('configs/detectors/')[1]


def _params(configs):
    return [pytest.param(c, id=_name(c), marks=() if _name(c) in LIGHT else pytest.mark.slow)
            for c in configs]


def _checkpoint(cfg: Config):
    """The config's own checkpoint when it is on this machine, else None (random weights)."""
    path = cfg.get('checkpoint')
    return str(PROJECT_ROOT / path) if path and osp.isfile(PROJECT_ROOT / path) else None


def _scene(path: str, seed: int) -> str:
    """A small photo-like PNG (shapes on a gradient) written at ``path``."""
    rng = np.random.default_rng(seed)
    img = np.tile(np.linspace(40, 200, 160, dtype=np.uint8)[None, :, None], (120, 1, 3))
    for _ in range(3):
        x, y = rng.integers(10, 110), rng.integers(10, 70)
        cv2.rectangle(img, (int(x), int(y)), (int(x) + 40, int(y) + 40),
                      tuple(int(v) for v in rng.integers(0, 255, 3)), -1)
    cv2.imwrite(path, img)
    return path


def _tiny_dataset(cfg: Config, root) -> Config:
    """Point the config's test set and evaluators at two images in COCO json form (the
    format of every project dataset), with the dataset's own class list."""
    classes = config_class_names(cfg)
    (root / 'img').mkdir(parents=True)
    images = [dict(id=i + 1, file_name=f'{i}.png', width=160, height=120) for i in range(2)]
    for i in range(2):
        _scene(str(root / 'img' / f'{i}.png'), i)
    anns = [dict(id=i + 1, image_id=i + 1, category_id=1, bbox=[20, 20, 40, 40], area=1600,
                 iscrowd=0) for i in range(2)]
    cats = [dict(id=i + 1, name=c) for i, c in enumerate(classes)]
    ann = root / 'ann.json'
    ann.write_text(json.dumps(dict(images=images, annotations=anns, categories=cats)))
    dataset = cfg.test_dataloader.dataset
    dataset.update(data_root=str(root), ann_file='ann.json', data_prefix=dict(img='img/'))
    if 'ref_prefix' in dataset:  # the demo set's normal-light references
        dataset.update(ref_prefix='img/', generate=False)
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else \
        [cfg.test_evaluator]
    for evaluator in evaluators:
        if 'ann_file' in evaluator:
            evaluator['ann_file'] = str(ann)
    return cfg


def _same_predictions(a, b) -> None:
    a, b = a.pred_instances, b.pred_instances
    assert len(a) == len(b)
    torch.testing.assert_close(a.bboxes, b.bboxes, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(a.scores, b.scores, rtol=1e-4, atol=1e-5)
    assert torch.equal(a.labels, b.labels)


def test_every_config_is_in_the_parametrisation():
    assert len(CONFIGS) >= 16 and {'demo_retinanet.py', 'coco/yolov3_tiny.py',
                                   'exdark/yolov3_tiny_coco.py'} <= {_name(c) for c in CONFIGS}


@pytest.mark.parametrize('config', _params(CONFIGS))
def test_init_detector_and_inference_detector(config, tmp_path):
    cfg = Config.fromfile(config)
    checkpoint = _checkpoint(cfg)
    model = mmdet_init_detector(config, checkpoint, device='cpu')
    image = _scene(str(tmp_path / 'scene.png'), 0)
    from_path = inference_detector(model, image)
    from_array = inference_detector(model, mmcv.imread(image))
    _same_predictions(from_path, from_array)
    assert from_path.pred_instances.bboxes.shape[1] == 4

    # the benchmark's frozen detector, with the same weights, finds the same boxes
    frozen = build_frozen_detector(config, None)
    inner_detector(frozen).load_state_dict(inner_detector(model).state_dict(), strict=False)
    loaded = mmcv.imread(image)
    sample = DetDataSample(metainfo=dict(img_id=0, img_path=image, ori_shape=loaded.shape[:2],
                                         img_shape=loaded.shape[:2]))
    inputs, samples = DetectorTestTransforms(config)([loaded], [sample])
    with torch.no_grad():
        ours = frozen.test_step(dict(inputs=inputs, data_samples=samples))[0]
    _same_predictions(ours, from_path)

    # class names: the checkpoint's, or else those of the config's own test set
    named = init_detector(config, checkpoint, device='cpu')
    assert tuple(named.dataset_meta['classes']) == config_class_names(cfg)
    labels = from_path.pred_instances.labels
    assert not len(labels) or int(labels.max()) < len(named.dataset_meta['classes'])


@pytest.mark.parametrize('config', _params(CONFIGS))
def test_det_inferencer_draws_and_saves(config, tmp_path):
    cfg = Config.fromfile(config)
    checkpoint = _checkpoint(cfg)
    inferencer = DetInferencer(config, checkpoint, device='cpu', scope='sdag_bench',
                               show_progress=False)
    image = _scene(str(tmp_path / 'scene.png'), 1)
    out = inferencer(image, out_dir=str(tmp_path / 'out'), pred_score_thr=0.0,
                     no_save_pred=False)
    drawn = mmcv.imread(str(tmp_path / 'out' / 'vis' / 'scene.png'))
    assert drawn.shape == mmcv.imread(image).shape
    saved = json.loads((tmp_path / 'out' / 'preds' / 'scene.json').read_text())
    assert saved == out['predictions'][0]
    # the inferencer's predictions are inference_detector's, named by the model's classes
    expected = inference_detector(inferencer.model, image).pred_instances
    assert saved['labels'] == expected.labels.tolist()
    np.testing.assert_allclose(saved['scores'], expected.scores.numpy(), rtol=1e-4, atol=1e-5)
    assert inferencer.visualizer.dataset_meta['classes'] == inferencer.model.dataset_meta[
        'classes']
    if checkpoint and saved['bboxes']:  # real boxes are drawn: the picture is not the input
        assert np.abs(drawn.astype(int) - mmcv.imread(image).astype(int)).max() > 0


@pytest.mark.parametrize('config', _params(CONFIGS))
def test_runner_tests_the_config_on_its_own_dataset_type(config, tmp_path):
    cfg = _tiny_dataset(Config.fromfile(config), tmp_path / 'data')
    cfg.work_dir = str(tmp_path / 'work')
    cfg.load_from = _checkpoint(cfg)
    # random weights where none exist here: seeded, so that what they detect (and whether COCO's
    # metric has anything to report) does not depend on the tests that ran before
    cfg.randomness = dict(seed=0)
    metrics = Runner.from_cfg(cfg).test()
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else \
        [cfg.test_evaluator]
    assert len(metrics) >= len(evaluators)  # every evaluator reported
