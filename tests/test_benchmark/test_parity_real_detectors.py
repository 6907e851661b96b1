"""Parity with the real detectors: darknet's COCO YOLOv3-tiny (the pytest fixture
``yolov3_tiny_checkpoint``, converted from ../shared/assets with tools/convert_darknet.py) and
YOLOX-Nano (``yolox_nano_checkpoint``, converted from its ONNX export) on the 5 real ExDark photos
with their official boxes. The harness's AP50 equals mmdet's ``Runner.test`` with each detector's
own config (configs/detectors/exdark/yolov3_tiny_coco.py: 416 px stretch; yolox_nano_coco.py: 416
letterbox padded with 114; mmdet's VOCMetric) on the enhanced photos saved as 8-bit PNGs."""
import json
import os
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.run.evaluate import evaluate_cell
from sdag_bench.benchmark.options import EvaluationOptions
from sdag_bench.datasets.converters.exdark_yolo import convert_exdark_yolo
from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.utils.image_io import read_image

#: detector name -> (config, checkpoint fixture, the detector input the cell records)
DETECTORS = {
    'yolov3_tiny': ('configs/detectors/exdark/yolov3_tiny_coco.py', 'yolov3_tiny_checkpoint',
                    'Resize(scale=(416, 416), keep_ratio=False)'),
    'yolox_nano': ('configs/detectors/exdark/yolox_nano_coco.py', 'yolox_nano_checkpoint',
                   'Resize(scale=(416, 416), keep_ratio=True) + '
                   'Pad(pad_to_square=True, pad_val={\'img\': (114.0, 114.0, 114.0)})'),
}


@pytest.fixture(scope='module')
def exdark_photos(shared_assets, tmp_path_factory):
    """The 5 ExDark photos of SCI's data/difficult with their converted official boxes."""
    tmp = tmp_path_factory.mktemp('yolov3_tiny_parity')
    derived = json.loads((shared_assets / 'derived/exdark_sci_images_boxes.json').read_text())
    labels = shared_assets / 'Otachiking+Object-Detection-ExDARK-with-LLIE/Exdark_YOLO_labels.zip'
    with zipfile.ZipFile(labels) as archive:
        for image in derived['images']:
            target = tmp / 'tree/labels/test' / Path(image['yolo_label_member']).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(image['yolo_label_member']))
    images = shared_assets / 'vis-opt-group+SCI/data/difficult'
    paths, _ = convert_exdark_yolo(tmp / 'tree', tmp / 'ann', images=images)
    return tmp, images, Path(paths['test'])


def _save_pngs(images: Path, ann_file: Path, out: Path, enhancer) -> Path:
    """Each photo decoded as the benchmark decodes it, enhanced, rounded to 8 bits and saved as
    PNG; returns a copy of the annotations naming the PNGs."""
    coco = json.loads(ann_file.read_text())
    (out / 'png').mkdir(parents=True)
    for info in coco['images']:
        bgr = read_image(images / info['file_name'])
        rgb = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad():
            enhanced = enhancer(rgb)[0].clamp(0, 1).permute(1, 2, 0).numpy()
        info['file_name'] = Path(info['file_name']).stem + '.png'
        cv2.imwrite(str(out / 'png' / info['file_name']),
                    np.round(enhanced * 255).astype(np.uint8)[..., ::-1])
    png_ann = out / 'png.json'
    png_ann.write_text(json.dumps(coco))
    return png_ann


@pytest.mark.parametrize('detector', sorted(DETECTORS))
# identity in the fast tier; gamma (~10 s a detector) in the slow one
@pytest.mark.parametrize('enhancer', ['identity', pytest.param('gamma', marks=pytest.mark.slow)])
def test_harness_ap50_equals_mmdet_runner_test(exdark_photos, enhancer, detector, request):
    tmp, images, ann_file = exdark_photos
    config = f'configs/enhancers/{enhancer}.py'
    detector_config, checkpoint_fixture, detector_input = DETECTORS[detector]
    checkpoint = request.getfixturevalue(checkpoint_fixture)
    cell = CellSpec(
        EnhancerSpec(enhancer, config, dataset_overrides=dict(
            data_root='', ann_file=str(ann_file), data_prefix=dict(img=str(images) + '/'))),
        DatasetSpec('exdark5', 'configs/_base_/datasets/exdark.py'),
        DetectorSpec(detector, detector_config, str(checkpoint)))
    harness = evaluate_cell(cell, EvaluationOptions(progress=False))

    out = tmp / f'{enhancer}_{detector}'
    png_ann = _save_pngs(images, ann_file, out, build_enhancer_from_config(config))
    cfg = Config.fromfile(detector_config)
    cfg.work_dir = str(out / 'work')
    # the converted file is the inner detector's state dict; the config wraps it in a
    # LabelMappedDetector, whose weights live under 'detector.'
    wrapped = out / 'wrapped.pth'
    state = torch.load(checkpoint, weights_only=True)
    torch.save({'state_dict': {f'detector.{k}': v for k, v in state.items()}}, wrapped)
    cfg.load_from = str(wrapped)
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.update(data_root='', ann_file=str(png_ann),
                                       data_prefix=dict(img=str(out / 'png') + '/'))
    reference = Runner.from_cfg(cfg).test()

    assert reference['pascal_voc/AP50'] > 0.05, reference  # real predictions, not noise
    # the same uint8 images, transforms, model and evaluator: the same number, exactly
    # ('pascal_voc/AP50' is rounded to 3 decimals by mmdet; its 'pascal_voc/mAP' is not)
    assert harness['metrics']['AP50'] == reference['pascal_voc/mAP'], (harness['metrics'],
                                                                       reference)
    assert round(harness['metrics']['AP50'], 3) == reference['pascal_voc/AP50']
    protocol = harness['protocol']
    assert protocol['detector_input'] == detector_input, protocol['detector_input']
    assert protocol['enhanced_at'] == 'native' and harness['num_images'] == 5
    assert os.path.isfile(cfg.load_from)
