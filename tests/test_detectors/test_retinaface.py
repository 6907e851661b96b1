"""RetinaFace-mnet0.25: official weights load strictly and find real faces."""
import cv2
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample

from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector, inner_detector
from sdag_bench.utils.checkpoint import CheckpointError, extract_state_dict, load_checkpoint_file
from sdag_bench.detectors.retinaface import (RetinaFaceMobileNet, convert_retinaface,
                                             decode_boxes, prior_boxes)
from sdag_bench.enhancers.classical import Gamma

CONFIG = 'configs/detectors/darkface/retinaface_mnet025.py'
WEIGHTS = 'biubug6+Face-Detector-1MB-with-landmark/weights/mobilenet0.25_Final.pth'
#: A normal-light photo (DICM 02) with a man facing the camera; his face box read off the photo.
PORTRAIT, FACE_BOX = 'Li-Chongyi+Zero-DCE/test_data/DICM/02.jpg', (326, 182, 357, 222)


@pytest.fixture(scope='module')
def detector(shared_assets):
    return build_frozen_detector(CONFIG, str(shared_assets / WEIGHTS))


def detect(detector, bgr: np.ndarray, scale: float = 1.0):
    """Run the detector on a BGR uint8 image (optionally resized by ``scale``)."""
    h, w = bgr.shape[:2]
    img = cv2.resize(bgr, None, fx=scale, fy=scale) if scale != 1 else bgr
    sample = DetDataSample(metainfo=dict(ori_shape=(h, w), img_shape=img.shape[:2],
                                         scale_factor=(img.shape[1] / w, img.shape[0] / h)))
    inputs = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
    with torch.inference_mode():
        return detector.test_step(dict(inputs=[inputs], data_samples=[sample]))[0].pred_instances


def iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_official_key_map_is_complete_and_strict(shared_assets):
    path = str(shared_assets / WEIGHTS)
    official = extract_state_dict(load_checkpoint_file(path), path)
    converted = convert_retinaface(official)
    model = RetinaFaceMobileNet()
    assert set(converted) == set(model.state_dict())
    assert convert_retinaface(converted).keys() == converted.keys()  # ours pass through
    model.load_state_dict(converted, strict=True)


def test_wrong_checkpoint_is_refused_naming_the_file(shared_assets):
    slim = str(shared_assets / 'biubug6+Face-Detector-1MB-with-landmark/weights/slim_Final.pth')
    with pytest.raises(CheckpointError, match='slim_Final.pth.*does not fit'):
        build_frozen_detector(CONFIG, slim)


def test_loss_is_refused():
    with pytest.raises(RuntimeError, match='frozen'):
        RetinaFaceMobileNet().loss(torch.zeros(1, 3, 32, 32), [])


def test_priors_and_decoding():
    priors = prior_boxes([(2, 3)], [8], [(10, 20)])
    assert priors.shape == (2 * 3 * 2, 4)
    # row-major locations, anchor sizes innermost
    assert priors[:4].tolist() == [[4, 4, 10, 10], [4, 4, 20, 20], [12, 4, 10, 10],
                                   [12, 4, 20, 20]]
    boxes = decode_boxes(torch.zeros(1, 4), priors[:1])
    assert boxes.tolist() == [[-1, -1, 9, 9]]


def test_finds_the_face_in_a_normal_light_photo(detector, shared_assets):
    bgr = cv2.imread(str(shared_assets / PORTRAIT))
    pred = detect(detector, bgr)
    assert set(pred.labels.tolist()) == {0}
    best = pred.bboxes[0].tolist()
    assert pred.scores[0] > 0.99 and iou(best, FACE_BOX) > 0.7
    # boxes are in original image coordinates whatever the network input size
    half = detect(detector, bgr, scale=0.75)
    assert iou(half.bboxes[0].tolist(), FACE_BOX) > 0.6


def test_darkness_hides_faces_and_gamma_brings_them_back(detector, shared_assets):
    """A real photo darkened to 15 % of its brightness loses confident faces (4 -> 1 with these
    weights); the Gamma enhancer (x ** 0.4) in the benchmark's preprocessor recovers them."""
    bgr = cv2.imread(str(shared_assets / PORTRAIT))
    dark = np.round(bgr * 0.15).astype(np.uint8)
    confident = lambda pred: int((pred.scores >= 0.5).sum())  # noqa: E731
    normal, darkened = confident(detect(detector, bgr)), confident(detect(detector, dark))
    inner_detector(detector).data_preprocessor.set_enhancer(Gamma(0.4))
    try:
        brightened = confident(detect(detector, dark))
    finally:
        inner_detector(detector).data_preprocessor.set_enhancer(None)
    assert darkened < normal
    assert brightened > darkened and brightened >= normal - 1
