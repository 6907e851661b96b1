"""Every frozen detector config builds, takes an enhancer and runs on a small image."""
import glob

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config

from sdag_bench.benchmark.evaluate import build_frozen_detector, inner_detector
from sdag_bench.benchmark.plan import resolve_detector_checkpoint
from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
from sdag_bench.datasets.label_map import LabelMappedDetector
from sdag_bench.enhancers.classical import Gamma
from sdag_bench.paths import PROJECT_ROOT
from sdag_bench.preprocessors.enhanced_det_data_preprocessor import EnhancedDetDataPreprocessor

EXDARK = sorted(glob.glob(str(PROJECT_ROOT / 'configs/detectors/exdark/*.py')))
DARKFACE = sorted(glob.glob(str(PROJECT_ROOT / 'configs/detectors/darkface/*.py')))


def _name(path: str) -> str:
    return path.split('configs/detectors/')[1]


def test_the_issue_detectors_are_there():
    names = {_name(p) for p in EXDARK + DARKFACE}
    assert {'exdark/yolov3_d53_coco.py', 'exdark/retinanet_r50_fpn_coco.py',
            'exdark/tood_r50_fpn_coco.py', 'exdark/rtmdet_l_coco.py',
            'exdark/yolov3_d53_exdark_finetuned.py', 'darkface/ssd300_widerface.py',
            'darkface/retinanet_r50_fpn_widerface.py',
            'darkface/retinaface_mnet025.py'} <= names


@pytest.mark.parametrize('config', EXDARK + DARKFACE, ids=_name)
def test_builds_and_runs_with_an_enhancer(config):
    torch.manual_seed(0)
    model = build_frozen_detector(config, None)
    preprocessor = inner_detector(model).data_preprocessor
    assert isinstance(preprocessor, EnhancedDetDataPreprocessor)
    preprocessor.set_enhancer(Gamma(0.4))
    image = torch.randint(0, 60, (3, 320, 320), dtype=torch.uint8)
    sample = DetDataSample(metainfo=dict(img_shape=(320, 320), ori_shape=(320, 320),
                                         scale_factor=(1.0, 1.0), pad_shape=(320, 320)))
    with torch.inference_mode():
        pred = model.test_step(dict(inputs=[image], data_samples=[sample]))[0].pred_instances
    assert not any(p.requires_grad for p in model.parameters())
    assert pred.bboxes.shape[1:] == (4, ) and len(pred.scores) == len(pred.labels)
    assert 'enhanced_img' in model.test_step(dict(inputs=[image], data_samples=[sample]))[0]
    cfg = Config.fromfile(config)
    if 'exdark/' in config and cfg.model.type == 'LabelMappedDetector':
        assert isinstance(model, LabelMappedDetector)
        assert model.target_classes == tuple(EXDARK_CLASSES)
        assert inner_detector(model).bbox_head.num_classes == 80
        assert set(pred.labels.tolist()) <= set(range(12))
    elif 'exdark/' in config:  # fine-tuned on ExDark: 12 classes, no map
        assert inner_detector(model).bbox_head.num_classes == 12
    else:
        assert set(pred.labels.tolist()) <= {0}


@pytest.mark.parametrize('config', EXDARK, ids=_name)
def test_exdark_configs_test_on_the_exdark_protocol(config):
    """Same test set and metric as configs/_base_/datasets/exdark.py (only the pipeline is the
    detector's own)."""
    ours = Config.fromfile(config)
    base = Config.fromfile(str(PROJECT_ROOT / 'configs/_base_/datasets/exdark.py'))
    for key in ('type', 'data_root', 'ann_file', 'data_prefix', 'test_mode'):
        assert ours.test_dataloader.dataset[key] == base.test_dataloader.dataset[key], key
    assert ours.test_dataloader.dataset.pipeline[0].type == 'LoadImageRobust'
    assert dict(ours.test_evaluator) == dict(base.test_evaluator)


@pytest.mark.parametrize('config', DARKFACE, ids=_name)
def test_darkface_configs_test_on_darkface(config):
    ours = Config.fromfile(config)
    base = Config.fromfile(str(PROJECT_ROOT / 'configs/_base_/datasets/darkface.py'))
    for key in ('type', 'data_root', 'ann_file', 'data_prefix'):
        assert ours.test_dataloader.dataset[key] == base.test_dataloader.dataset[key], key
    assert dict(ours.test_evaluator) == dict(base.test_evaluator)


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
