"""Parity of raw predictions: for every ExDark and DARK FACE detector config, the harness's boxes,
scores and labels equal those of mmdet's own test path (the detector config's test pipeline on
the enhanced image saved as an 8-bit PNG, then ``model.test_step``, as ``Runner.test`` runs it).

Most of these detectors have no weights here (the official COCO files are downloaded by users),
so both paths share one random initialisation; with random weights AP means nothing, the
predictions still must be identical. The score threshold is lowered to 0 in a derived config
where a randomly initialised head would otherwise report nothing. The photos are two real
ExDark photos of different sizes (1023 x 612 and 500 x 375) from ../shared/assets.
"""
import glob
import os

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from sdag_bench.benchmark.run import evaluate as evaluate_module
from sdag_bench.benchmark.run import single_pass as single_pass_module
from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.run.evaluate import evaluate_cells
from sdag_bench.benchmark.options import EvaluationOptions
from sdag_bench.utils.image_io import read_image
from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.utils.paths import PROJECT_ROOT
from sdag_bench.registry import MODELS

PHOTOS = ('2015_02243.jpg', '2015_05885.jpg')
CONFIGS = sorted(glob.glob(str(PROJECT_ROOT / 'configs/detectors/exdark/*.py')) +
                 glob.glob(str(PROJECT_ROOT / 'configs/detectors/darkface/*.py')))
#: Large backbones at 600-1333 px: about a minute each on one CPU thread (RetinaNet on WIDER
#: FACE: ~10 s).
SLOW = ('retinanet_r50_fpn_coco', 'tood_r50_fpn_coco', 'rtmdet_l_coco', 'yolov3_d53',
        'retinanet_r50_fpn_widerface', 'ssd300_widerface')


def _name(path: str) -> str:
    return path.split('configs/detectors/')[1]


def _params() -> list:
    return [pytest.param(path, id=_name(path),
                         marks=[pytest.mark.slow] if any(s in path for s in SLOW) else [])
            for path in CONFIGS]


def _derived_config(config: str, tmp_path) -> str:
    """The config with score (and YOLO objectness) thresholds 0: random heads score below the
    usual thresholds."""
    cfg = Config.fromfile(config)
    detector = cfg.model.get('detector') or cfg.model
    thresholds = 'score_thr=0.0' + (', conf_thr=0.0' if 'conf_thr' in detector.test_cfg else '')
    inner = f'test_cfg=dict({thresholds})'
    if cfg.model.get('detector'):
        inner = f'detector=dict({inner})'
    path = tmp_path / f'{os.path.basename(config)}'
    path.write_text(f"_base_ = '{config}'\nmodel = dict({inner})\n")
    return str(path)


def _save_png(photo: str, out_dir, enhancer) -> str:
    """The photo enhanced and rounded to 8 bits, saved as PNG (what a researcher saves)."""
    bgr = read_image(photo)
    rgb = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        out = enhancer(rgb)[0].clamp(0, 1).permute(1, 2, 0).numpy()
    path = os.path.join(str(out_dir), os.path.basename(photo).rsplit('.', 1)[0] + '.png')
    cv2.imwrite(path, np.round(out * 255).astype(np.uint8)[..., ::-1])
    return path


def _mmdet_predictions(config: str, state: dict, pngs) -> list:
    """mmdet's path: the config's own test pipeline (minus annotation loading) on the PNGs."""
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model).eval()
    model.load_state_dict(state, strict=True)
    steps = [s for s in cfg.test_dataloader.dataset.pipeline if s['type'] != 'LoadAnnotations']
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmdet')):
        pipeline = Compose(steps)
    outputs = []
    with torch.no_grad():
        for index, png in enumerate(pngs):
            batch = pseudo_collate([pipeline(dict(img_path=png, img_id=index))])
            outputs.append(model.test_step(batch)[0].pred_instances)
    return outputs


#: Real detectors whose weights the tests convert from ../shared (session fixtures): their
#: random initialisation may score nothing even at threshold 0 (YOLOX's head does).
CONVERTED = {'yolov3_tiny_coco.py': 'yolov3_tiny_checkpoint',
             'yolox_nano_coco.py': 'yolox_nano_checkpoint'}


def _checkpoint(config: str, request):
    """Real weights where the tests have them: converted by a fixture, or the config's own
    official file when present; else None (a shared random initialisation)."""
    name = os.path.basename(config)
    if name in CONVERTED:
        return str(request.getfixturevalue(CONVERTED[name]))
    checkpoint = Config.fromfile(config).get('checkpoint')
    return checkpoint if checkpoint and os.path.isfile(checkpoint) else None


def _harness_predictions(config: str, checkpoint, monkeypatch, photos_dir) -> tuple:
    """The harness's path (evaluate_cells), recording each detector's outputs and weights."""
    built, predictions = [], []
    build, run = evaluate_module.build_frozen_detector, single_pass_module.run_detector

    def recording_build(*args, **kwargs):
        built.append(build(*args, **kwargs))
        return built[-1]

    def recording_run(*args, **kwargs):
        outputs = run(*args, **kwargs)
        predictions.extend(o.pred_instances for o in outputs)
        return outputs

    monkeypatch.setattr(evaluate_module, 'build_frozen_detector', recording_build)
    monkeypatch.setattr(single_pass_module, 'run_detector', recording_run)
    cell = CellSpec(
        EnhancerSpec('gamma', 'configs/enhancers/gamma.py',
                     dataset_overrides=dict(data_root=str(photos_dir), img_names=list(PHOTOS))),
        DatasetSpec('photos', 'configs/_base_/datasets/darkface_photos.py'),
        DetectorSpec('detector', config, checkpoint))
    torch.manual_seed(0)
    record = evaluate_cells([cell], EvaluationOptions(progress=False))[0]
    state = {k: v for k, v in built[0].state_dict().items()
             if 'data_preprocessor.enhancer.' not in k}
    return predictions, state, record


@pytest.mark.parametrize('config', _params())
def test_harness_predictions_equal_mmdet_test_path(config, shared_assets, tmp_path,
                                                   monkeypatch, request):
    photos_dir = shared_assets / 'vis-opt-group+SCI/data/difficult'
    derived = _derived_config(config, tmp_path)
    harness, state, record = _harness_predictions(derived, _checkpoint(config, request),
                                                  monkeypatch, photos_dir)
    enhancer = build_enhancer_from_config('configs/enhancers/gamma.py')
    pngs = [_save_png(str(photos_dir / p), tmp_path, enhancer) for p in PHOTOS]
    reference = _mmdet_predictions(derived, state, pngs)
    assert len(harness) == len(reference) == len(PHOTOS)
    # random weights may leave a photo without a box of a mapped class, not both photos
    assert sum(len(p) for p in reference) > 0, 'no predictions: the comparison would be vacuous'
    for ours, theirs, photo in zip(harness, reference, PHOTOS):
        assert len(ours) == len(theirs), photo
        assert torch.equal(ours.labels, theirs.labels), photo
        torch.testing.assert_close(ours.scores, theirs.scores, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(ours.bboxes, theirs.bboxes, atol=1e-3, rtol=1e-5)
    assert record['protocol']['enhanced_at'] == 'native'
