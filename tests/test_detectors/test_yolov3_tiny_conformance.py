"""Our YOLOv3-tiny (converted darknet weights, mmdet head) against OpenCV's darknet reader.

``../shared/assets/reference_outputs/yolov3_tiny`` holds, for real photos, the exact 416x416 RGB
input OpenCV 4.14 fed its ``readNetFromDarknet`` network and the decoded rows of both YOLO
layers: ``cx, cy, w, h`` (relative to the input), objectness, then 80 class scores
(objectness x class probability, zeroed below 0.2). Our rows come from the detector built by
``build_frozen_detector`` from the converted weights, decoded with the head's own anchor
generator and box coder. Skips (with the reason) when ../shared/assets is absent.
"""
import json
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.dataset import Compose

from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector, inner_detector
from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
from sdag_bench.detectors.label_map import COCO_CLASSES
from sdag_bench.utils.paths import PROJECT_ROOT

from _boxes import iou

COCO_CONFIG = str(PROJECT_ROOT / 'configs/detectors/coco/yolov3_tiny.py')
EXDARK_CONFIG = str(PROJECT_ROOT / 'configs/detectors/exdark/yolov3_tiny_coco.py')
SIZE = 416
TOL = 1e-4
OPENCV_ZERO_BELOW = 0.2  # OpenCV writes 0 for class scores below this
SCORE_THR, NMS_IOU = 0.3, 0.45  # for comparing detections after NMS

pytestmark = pytest.mark.assets


@pytest.fixture(scope='module')
def reference(shared_assets: Path) -> Path:
    return shared_assets / 'reference_outputs' / 'yolov3_tiny'


@pytest.fixture(scope='module')
def detector(yolov3_tiny_checkpoint: Path) -> torch.nn.Module:
    return build_frozen_detector(COCO_CONFIG, str(yolov3_tiny_checkpoint))


def _images(reference: Path) -> Dict[str, dict]:
    return json.loads((reference / 'README.json').read_text())['images']


def _sample() -> DetDataSample:
    return DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                                       pad_shape=(SIZE, SIZE), scale_factor=(1.0, 1.0)))


def _batch(rgb: np.ndarray) -> dict:
    """The stored RGB input as the detector's data preprocessor receives an image: BGR uint8."""
    bgr = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1])).permute(2, 0, 1)
    return dict(inputs=[bgr], data_samples=[_sample()])


def _our_rows(detector: torch.nn.Module, rgb: np.ndarray) -> List[np.ndarray]:
    """Decoded rows per YOLO level (stride 32, then 16) in mmdet's flatten order (H, W, anchor):
    cx, cy, w, h relative to the input, objectness, objectness x class probability."""
    yolo = inner_detector(detector)
    head = yolo.bbox_head
    with torch.no_grad():
        data = yolo.data_preprocessor(_batch(rgb), False)
        maps = head(yolo.extract_feat(data['inputs']))[0]
    rows = []
    for level, (pred, stride) in enumerate(zip(maps, head.featmap_strides)):
        anchors = head.prior_generator.single_level_grid_priors(pred.shape[-2:], level,
                                                                device='cpu')
        pred = pred.permute(0, 2, 3, 1).reshape(-1, head.num_attrib)
        xy = pred[:, :2].sigmoid()
        boxes = head.bbox_coder.decode(anchors, torch.cat([xy, pred[:, 2:4]], 1), stride)
        centre_size = torch.cat([(boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]],
                                1) / SIZE
        objectness = pred[:, 4:5].sigmoid()
        rows.append(torch.cat([centre_size, objectness, objectness * pred[:, 5:].sigmoid()],
                              1).numpy())
    return rows


def test_every_reference_output_is_checked(reference: Path):
    keys = sorted(_images(reference))
    stored = sorted(p.name.split('__')[0] for p in reference.glob('*__input_rgb_uint8.npy'))
    assert keys == stored and len(keys) == 5, (keys, stored)


def test_opencv_row_order_is_cell_then_anchor(reference: Path):
    """Worked out from the data: row i lies in cell (i // 3) in row-major order, anchor i % 3.
    The centre of every row falls in its cell (cx = (col + sigmoid) / W), and at each cell the
    three widths are the anchors' (times exp(tw)), so the smallest anchor comes first."""
    for key in _images(reference):
        for name, cells in (('yolo_16', 13), ('yolo_23', 26)):
            ref = np.load(reference / f'{key}__{name}.npy')
            assert ref.shape == (cells * cells * 3, 85), (key, name, ref.shape)
            cell = np.arange(len(ref)) // 3
            assert (np.floor(ref[:, 0] * cells) == cell % cells).all(), (key, name)
            assert (np.floor(ref[:, 1] * cells) == cell // cells).all(), (key, name)


def test_our_test_pipeline_gives_opencvs_input(reference: Path, shared_assets: Path):
    """The config's stretch resize to 416x416 reproduces OpenCV's blob input bit for bit."""
    cfg = Config.fromfile(COCO_CONFIG)
    pipeline = Compose([t for t in cfg.test_pipeline if t['type'] != 'LoadAnnotations'])
    for key, info in _images(reference).items():
        packed = pipeline(dict(img_path=str(shared_assets / info['source']), img_id=0))
        ours = packed['inputs'].numpy()[::-1].transpose(1, 2, 0)  # BGR CHW -> RGB HWC
        expected = np.load(reference / f'{key}__input_rgb_uint8.npy')
        assert ours.shape == expected.shape and np.array_equal(ours, expected), key


def test_decoded_outputs_match_opencv(detector, reference: Path):
    report = []
    for key in _images(reference):
        rgb = np.load(reference / f'{key}__input_rgb_uint8.npy')
        for ours, name in zip(_our_rows(detector, rgb), ('yolo_16', 'yolo_23')):
            ref = np.load(reference / f'{key}__{name}.npy')
            box = np.abs(ours[:, :4] - ref[:, :4]).max()
            objectness = np.abs(ours[:, 4] - ref[:, 4]).max()
            nonzero = ref[:, 5:] != 0
            classes = np.abs(ours[:, 5:][nonzero] - ref[:, 5:][nonzero]).max(initial=0)
            # where OpenCV wrote 0, our score must be below its threshold
            zeroed = ours[:, 5:][~nonzero].max()
            report.append((key, name, box, objectness, classes, int(nonzero.sum()), zeroed))
    bad = [r for r in report
           if max(r[2:5]) > TOL or r[6] >= OPENCV_ZERO_BELOW + TOL]
    assert not bad, f'(image, layer, box, objectness, class, n non-zero, max zeroed): {bad}'
    assert sum(r[5] for r in report) >= 20  # enough non-zero class scores were compared


def _opencv_detections(reference: Path, key: str) -> List[Tuple[int, float, np.ndarray]]:
    """OpenCV's rows of both layers, per-class greedy NMS in plain numpy."""
    rows = np.concatenate([np.load(reference / f'{key}__{n}.npy') for n in ('yolo_16', 'yolo_23')])
    boxes = np.concatenate([rows[:, :2] - rows[:, 2:4] / 2, rows[:, :2] + rows[:, 2:4] / 2],
                           1) * SIZE
    kept = []
    for label in range(rows.shape[1] - 5):
        scores = rows[:, 5 + label]
        order = [i for i in np.argsort(-scores, kind='stable') if scores[i] >= SCORE_THR]
        chosen: List[int] = []
        for i in order:
            if not chosen or iou(boxes[i], boxes[chosen]).max() <= NMS_IOU:
                chosen.append(i)
        kept += [(label, float(scores[i]), boxes[i]) for i in chosen]
    return kept


@pytest.mark.parametrize('key', ['dog', 'horses', 'exdark_2015_02057'])
def test_detections_after_nms_match_opencv(detector, reference: Path, key: str):
    rgb = np.load(reference / f'{key}__input_rgb_uint8.npy')
    with torch.no_grad():
        pred = detector.test_step(_batch(rgb))[0].pred_instances
    keep = pred.scores >= SCORE_THR
    ours = sorted(zip(pred.labels[keep].tolist(), pred.bboxes[keep].numpy()), key=lambda d: d[0])
    theirs = _opencv_detections(reference, key)
    assert sorted(d[0] for d in ours) == sorted(d[0] for d in theirs), key
    for label, box in ours:
        candidates = [d for d in theirs if d[0] == label]
        ious = iou(box, np.stack([d[2] for d in candidates]))
        best = int(ious.argmax())
        assert ious[best] >= 0.9, (key, label, ious[best])
        theirs.remove(candidates[best])
    expected = {'dog': {'bicycle', 'truck', 'dog'}, 'horses': {'horse'},
                'exdark_2015_02057': {'bus'}}[key]
    assert expected <= {COCO_CLASSES[label] for label, _ in ours}, key


def test_exdark_config_finds_the_bus(yolov3_tiny_checkpoint: Path, shared_assets: Path,
                                     reference: Path):
    """Through the COCO->ExDark label map and the config's own pipeline, on the original photo:
    a Bus, its box mapped back to the photo's 640x427 pixels where OpenCV's bus is."""
    model = build_frozen_detector(EXDARK_CONFIG, str(yolov3_tiny_checkpoint))
    cfg = Config.fromfile(EXDARK_CONFIG)
    pipeline = Compose([t for t in cfg.test_pipeline if t['type'] != 'LoadAnnotations'])
    photo = shared_assets / 'vis-opt-group+SCI/data/difficult/2015_02057.jpg'
    packed = pipeline(dict(img_path=str(photo), img_id=0))
    with torch.no_grad():
        pred = model.test_step(dict(inputs=[packed['inputs']],
                                    data_samples=[packed['data_samples']]))[0].pred_instances
    confident = pred[pred.scores >= SCORE_THR]
    names = [EXDARK_CLASSES[i] for i in confident.labels.tolist()]
    assert names.count('Bus') == 1, names
    bus = confident.bboxes[names.index('Bus')].numpy()
    opencv = [box for label, _, box in _opencv_detections(reference, 'exdark_2015_02057')
              if COCO_CLASSES[label] == 'bus']
    assert len(opencv) == 1
    opencv_in_photo = opencv[0] * np.array([640, 427, 640, 427]) / SIZE
    assert iou(bus, opencv_in_photo[None])[0] >= 0.9, (bus, opencv_in_photo)
