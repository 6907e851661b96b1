"""Every frozen detector config builds, takes an enhancer and runs on a small image; the harness
applies its own test-time transforms and computes the metric its own evaluator computes."""
import glob

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config

from sdag_bench.benchmark.run.detector_transforms import DetectorTestTransforms
from sdag_bench.benchmark.run.frozen_detector import (build_frozen_detector, detector_weights,
                                                      inner_detector)
from sdag_bench.benchmark.plan.planner import resolve_detector_checkpoint
from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
from sdag_bench.detectors.label_map import LabelMappedDetector
from sdag_bench.metrics.canonical import metric_protocol
from sdag_bench.models.data_preprocessors.enhanced_det_data_preprocessor import \
    EnhancedDetDataPreprocessor
from sdag_bench.utils.paths import PROJECT_ROOT

EXDARK = sorted(glob.glob(str(PROJECT_ROOT / 'configs/detectors/exdark/*.py')))
DARKFACE = sorted(glob.glob(str(PROJECT_ROOT / 'configs/detectors/darkface/*.py')))


def _name(path: str) -> str:
    return path.split('configs/detectors/')[1]


#: Configs whose forward pass on a CPU takes seconds (ResNet-50, CSPNeXt-L, Darknet-53): their
#: cases run in the slow tier; the fast tier keeps the small detectors of both benchmarks.
HEAVY = ('r50_fpn', 'rtmdet_l', 'yolov3_d53')


def _params() -> list:
    return [pytest.param(path, id=_name(path),
                         marks=[pytest.mark.slow] if any(s in path for s in HEAVY) else [])
            for path in EXDARK + DARKFACE]


def test_the_issue_detectors_are_there():
    names = {_name(p) for p in EXDARK + DARKFACE}
    assert {'exdark/yolov3_d53_coco.py', 'exdark/retinanet_r50_fpn_coco.py',
            'exdark/tood_r50_fpn_coco.py', 'exdark/rtmdet_l_coco.py',
            'exdark/yolov3_d53_exdark_finetuned.py', 'darkface/ssd300_widerface.py',
            'darkface/retinanet_r50_fpn_widerface.py',
            'darkface/retinaface_mnet025.py'} <= names


class _ChannelGains(torch.nn.Module):
    """An enhancer that treats R, G and B differently: a channel-order mistake shows."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.tensor([1.6, 1.0, 0.7]).view(1, 3, 1, 1)


@pytest.mark.parametrize('config', _params())
def test_builds_and_runs_with_an_enhancer(config):
    """The enhancer runs in front of the detector's own normalisation: the preprocessor's output
    on the loaded (BGR uint8) image equals its output, with no enhancer, on the image enhanced
    beforehand in RGB; the detector then predicts from it."""
    torch.manual_seed(0)
    model = build_frozen_detector(config, None)
    preprocessor = inner_detector(model).data_preprocessor
    assert isinstance(preprocessor, EnhancedDetDataPreprocessor)
    preprocessor.set_enhancer(_ChannelGains())
    image = torch.randint(0, 120, (3, 320, 320), dtype=torch.uint8)
    sample = DetDataSample(metainfo=dict(img_shape=(320, 320), ori_shape=(320, 320),
                                         scale_factor=(1.0, 1.0), pad_shape=(320, 320)))
    rgb = image.flip(0)[None].float() / 255
    expected = _ChannelGains()(rgb).clamp(0, 1)[0]
    if preprocessor.quantize:
        expected = torch.round(expected * 255) / 255
    with torch.inference_mode():
        enhanced = preprocessor(dict(inputs=[image], data_samples=[sample.clone()]), False)
        out = model.test_step(dict(inputs=[image], data_samples=[sample.clone()]))[0]
        preprocessor.set_enhancer(None)
        given = preprocessor(dict(inputs=[(expected * 255).flip(0)],
                                  data_samples=[sample.clone()]), False)
        plain = preprocessor(dict(inputs=[image], data_samples=[sample.clone()]), False)
    torch.testing.assert_close(enhanced['inputs'], given['inputs'], rtol=0, atol=1e-4)
    assert not torch.allclose(enhanced['inputs'], plain['inputs'], atol=1e-2)
    torch.testing.assert_close(out.enhanced_img, expected)
    pred = out.pred_instances
    assert not any(p.requires_grad for p in model.parameters())
    assert pred.bboxes.shape[1:] == (4, ) and len(pred.scores) == len(pred.labels)
    cfg = Config.fromfile(config)
    if 'exdark/' in config and cfg.model.type.split('.')[-1] == 'LabelMappedDetector':
        assert isinstance(model, LabelMappedDetector)
        assert model.target_classes == tuple(EXDARK_CLASSES)
        assert inner_detector(model).bbox_head.num_classes == 80
        assert set(pred.labels.tolist()) <= set(range(12))
    elif 'exdark/' in config:  # fine-tuned on ExDark: 12 classes, no map
        assert inner_detector(model).bbox_head.num_classes == 12
    else:
        assert set(pred.labels.tolist()) <= {0}


#: Each detector's own test-time input, as its published config tests it (config headers): what
#: the harness must apply to the enhanced image. (width, height) of a 1000 x 600 image after it.
OWN_TEST_INPUT = {
    'exdark/yolov3_d53_coco.py': ('Resize(scale=(608, 608), keep_ratio=True)', (608, 365)),
    'exdark/yolov3_d53_exdark_finetuned.py': ('Resize(scale=(608, 608), keep_ratio=True)',
                                              (608, 365)),
    'darkface/yolov3_d53_darkface_finetuned.py': ('Resize(scale=(608, 608), keep_ratio=True)',
                                                  (608, 365)),
    'exdark/retinanet_r50_fpn_coco.py': ('Resize(scale=(1333, 800), keep_ratio=True)',
                                         (1333, 800)),
    'exdark/tood_r50_fpn_coco.py': ('Resize(scale=(1333, 800), keep_ratio=True)', (1333, 800)),
    'exdark/rtmdet_l_coco.py': ('Resize(scale=(640, 640), keep_ratio=True) + Pad(size=(640, '
                                "640), pad_val={'img': (114, 114, 114)})", (640, 640)),
    'exdark/yolov3_d53_exdark_finetuned_enhanced.py': (
        'Resize(scale=(608, 608), keep_ratio=True)', (608, 365)),
    'exdark/yolov3_tiny_coco.py': ('Resize(scale=(416, 416), keep_ratio=False)', (416, 416)),
    'exdark/yolov3_tiny_exdark_finetuned.py': ('Resize(scale=(416, 416), keep_ratio=False)',
                                               (416, 416)),
    'darkface/retinanet_r50_fpn_widerface.py': ('Resize(scale=(640, 640), keep_ratio=True)',
                                                (640, 384)),
    'darkface/ssd300_widerface.py': ('Resize(scale=(300, 300), keep_ratio=False)', (300, 300)),
    'darkface/retinaface_mnet025.py': ('original size', (1000, 600)),
    'exdark/yolox_nano_coco.py': ('Resize(scale=(416, 416), keep_ratio=True) + Pad(pad_to_square='
                                  "True, pad_val={'img': (114.0, 114.0, 114.0)})", (416, 416)),
}


def test_every_config_has_its_expected_test_input():
    assert {_name(p) for p in EXDARK + DARKFACE} == set(OWN_TEST_INPUT)


@pytest.mark.parametrize('config', EXDARK + DARKFACE, ids=_name)
def test_harness_applies_the_detectors_own_test_transforms(config):
    """What the harness does with the config: its own resize/pad on the enhanced uint8 image,
    with the scale factor that maps boxes back to the 1000 x 600 original."""
    described, (width, height) = OWN_TEST_INPUT[_name(config)]
    transforms = DetectorTestTransforms(config)
    assert transforms.describe() == described
    image = np.full((600, 1000, 3), 30, dtype=np.uint8)
    sample = DetDataSample(metainfo=dict(img_id=0, img_path='x.png', ori_shape=(600, 1000),
                                         img_shape=(600, 1000)))
    tensor, own = transforms.apply(image, sample)
    assert tensor.dtype == torch.uint8 and tuple(tensor.shape) == (3, height, width)
    assert own.ori_shape == (600, 1000) and sample.img_shape == (600, 1000)  # not modified
    if 'Pad' not in described:
        assert own.img_shape == (height, width)
        assert own.scale_factor == pytest.approx((width / 1000, height / 600), abs=2e-3)
    if 'rtmdet' in config:  # padded with 114, as RTMDet is tested
        assert int(tensor[0, -1, 0]) == 114 and own.scale_factor == pytest.approx((0.64, 0.64))


@pytest.mark.parametrize('config', EXDARK + DARKFACE, ids=_name)
def test_harness_metric_is_the_detector_configs_own(config):
    """The benchmark's dataset config computes the metric the detector config's own
    ``test_evaluator`` computes (so Runner.test with the detector config gives the same AP50)."""
    from mmengine.evaluator import Evaluator
    dataset = 'darkface' if 'darkface/' in config else 'exdark'
    ours = Config.fromfile(str(PROJECT_ROOT / f'configs/_base_/datasets/{dataset}.py'))
    theirs = Config.fromfile(config)
    protocol = metric_protocol(Evaluator(ours.test_evaluator).metrics)
    own = metric_protocol(Evaluator(theirs.test_evaluator).metrics)
    assert ((protocol['iou'], protocol['eval_mode']) == (own['iou'], own['eval_mode'])
            == (0.5, 'area'))
    # the benchmark loads the images at native size: no resize before the enhancer
    steps = [s.type for s in ours.test_dataloader.dataset.pipeline]
    assert 'Resize' not in steps and steps[0] == 'LoadImageRobust'
    assert ours.test_dataloader.dataset.type == theirs.test_dataloader.dataset.type


def test_fine_tuned_detectors_say_so():
    weights = {_name(p): detector_weights(p) for p in EXDARK + DARKFACE}
    assert {n for n, w in weights.items() if w == 'fine-tuned'} == {
        'exdark/yolov3_d53_exdark_finetuned.py', 'exdark/yolov3_d53_exdark_finetuned_enhanced.py',
        'exdark/yolov3_tiny_exdark_finetuned.py', 'darkface/yolov3_d53_darkface_finetuned.py'}


def test_missing_coco_weights_name_the_official_file():
    config = str(PROJECT_ROOT / 'configs/detectors/exdark/yolov3_d53_coco.py')
    url = Config.fromfile(config).checkpoint_url
    with pytest.raises(FileNotFoundError, match='needs weights.*' + url.split('/')[-1]):
        resolve_detector_checkpoint('yolov3', config, None)
    with pytest.raises(FileNotFoundError, match='is a URL and nothing is downloaded'):
        resolve_detector_checkpoint('yolov3', config, url + '.not-cached')
    with pytest.raises(FileNotFoundError, match='no_such.pth not found; download'):
        resolve_detector_checkpoint('yolov3', config, 'no_such.pth')


def test_user_trained_face_detector_needs_weights():
    config = str(PROJECT_ROOT / 'configs/detectors/darkface/ssd300_widerface.py')
    with pytest.raises(FileNotFoundError, match='needs weights: train it'):
        resolve_detector_checkpoint('ssd300', config, None)


def test_retinaface_weights_come_from_its_config(shared_assets):
    config = str(PROJECT_ROOT / 'configs/detectors/darkface/retinaface_mnet025.py')
    path = resolve_detector_checkpoint('retinaface', config, None)
    assert path.endswith('mobilenet0.25_Final.pth')
