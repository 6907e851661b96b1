"""Expected numbers for the end-to-end tests, computed without the benchmark harness.

Detections: what a researcher gets who saves each enhanced image as an 8-bit PNG and runs the
detector with its own config's test pipeline (mmdet transforms, ``model.test_step``), one image
at a time. AP: VOC AP at IoU 0.5, area under the interpolated precision/recall curve, written
here in numpy after mmdet's ``eval_map`` conventions as ``VOCMetric`` calls it (legacy pixel
coordinates: widths are ``x2 - x1 + 1``; per-image greedy matching in score order; the mean
over the classes that have ground truth).
"""
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

Boxes = Dict[str, List[Tuple[str, list]]]  # image name -> [(class, [x1, y1, x2, y2])]
Detections = Dict[str, List[Tuple[str, list, float]]]  # image name -> [(class, box, score)]


def _iou_legacy(box: np.ndarray, gts: np.ndarray) -> np.ndarray:
    width = np.maximum(np.minimum(box[2], gts[:, 2]) - np.maximum(box[0], gts[:, 0]) + 1, 0)
    height = np.maximum(np.minimum(box[3], gts[:, 3]) - np.maximum(box[1], gts[:, 1]) + 1, 0)
    inter = width * height
    area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
    gt_area = (gts[:, 2] - gts[:, 0] + 1) * (gts[:, 3] - gts[:, 1] + 1)
    return inter / (area + gt_area - inter)


def _area_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def voc_ap50(detections: Detections, gts: Boxes, classes: Sequence[str]) -> Dict[str, float]:
    """Per-class VOC area AP at IoU 0.5 and their mean (key ``'mean'``).

    Args:
        detections (Detections): Per image: ``(class, [x1, y1, x2, y2], score)``.
        gts (Boxes): Per image: ``(class, [x1, y1, x2, y2])``; images without detections count.
        classes (Sequence[str]): Class names.

    Returns:
        dict[str, float]: AP per class that has ground truth, and ``'mean'`` over those.
    """
    result = {}
    for cls in classes:
        num_gts = sum(1 for boxes in gts.values() for c, _ in boxes if c == cls)
        if num_gts == 0:
            continue
        scored = []  # (score, is_tp) over all images
        for image, boxes in gts.items():
            gt = np.array([b for c, b in boxes if c == cls], dtype=np.float64).reshape(-1, 4)
            dets = sorted((d for d in detections.get(image, []) if d[0] == cls),
                          key=lambda d: -d[2])
            covered = np.zeros(len(gt), dtype=bool)
            for _, box, score in dets:
                hit = False
                if len(gt):
                    ious = _iou_legacy(np.asarray(box, dtype=np.float64), gt)
                    best = int(np.argmax(ious))
                    if ious[best] >= 0.5 and not covered[best]:
                        covered[best] = hit = True
                scored.append((score, hit))
        scored.sort(key=lambda s: -s[0])
        tp = np.cumsum([hit for _, hit in scored], dtype=np.float64)
        fp = np.cumsum([not hit for _, hit in scored], dtype=np.float64)
        eps = np.finfo(np.float32).eps
        recall = tp / max(num_gts, eps)
        precision = tp / np.maximum(tp + fp, eps)
        result[cls] = _area_ap(recall, precision)
    result['mean'] = float(np.mean(list(result.values())))
    return result


def gamma_png(image_path: Path, out_dir: Path, gamma: float) -> Path:
    """Save ``x ** gamma`` (x = the photo as RGB in [0, 1], decoded as the benchmark decodes it)
    as an 8-bit PNG, the file a researcher would give the detector."""
    from sdag_bench.transforms.loading import LoadImageRobust
    bgr = LoadImageRobust().transform(dict(img_path=str(image_path)))['img']
    enhanced = np.round(np.clip((bgr.astype(np.float64) / 255) ** gamma, 0, 1) * 255)
    out = out_dir / (Path(image_path).stem + '.png')
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), enhanced.astype(np.uint8))
    return out


def detect_files(det_config: str, checkpoint: Optional[str], images: Dict[str, Path],
                 classes: Sequence[str],
                 enhance: Optional[Callable[[Path], Path]] = None) -> Detections:
    """Run a frozen detector on image files with its own config's test pipeline.

    Args:
        det_config (str): Detector config (``model`` and ``test_dataloader.dataset.pipeline``).
        checkpoint (str, optional): Its weights.
        images (dict[str, Path]): Image name -> file.
        classes (Sequence[str]): Names of the detector's output labels.
        enhance (callable, optional): File -> enhanced PNG file, applied first.

    Returns:
        Detections: Per image name, boxes in original image coordinates.
    """
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from sdag_bench.benchmark.evaluate import build_frozen_detector
    from sdag_bench.registry import TRANSFORMS
    model = build_frozen_detector(det_config, checkpoint)
    cfg = Config.fromfile(det_config)
    steps = [TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline
             if t['type'] != 'LoadAnnotations']
    detections: Detections = {}
    for img_id, (name, path) in enumerate(sorted(images.items())):
        data = dict(img_path=str(enhance(path) if enhance else path), img_id=img_id)
        for step in steps:
            data = step(data)
        with torch.no_grad():
            pred = model.test_step(pseudo_collate([data]))[0].pred_instances
        detections[name] = [(classes[int(label)], box.tolist(), float(score))
                            for box, score, label in zip(pred.bboxes, pred.scores, pred.labels)]
    return detections


def mean_niqe(paths: Sequence[Path]) -> float:
    """Mean NIQE (the project's BasicSR-pinned function) of image files, read as RGB [0, 1]."""
    import torch

    from sdag_bench.metrics.niqe import niqe
    from sdag_bench.transforms.loading import LoadImageRobust
    values = []
    for path in paths:
        bgr = LoadImageRobust().transform(dict(img_path=str(path)))['img']
        rgb = torch.from_numpy(np.ascontiguousarray(bgr[..., ::-1])).permute(2, 0, 1).float()
        values.append(float(niqe((rgb / 255)[None])[0]))
    return float(np.mean(values))


def assert_same_predictions(npz: Path, detections: Detections,
                            classes: Sequence[str]) -> None:
    """The cell's stored per-image predictions are the reference run's boxes, scores, labels."""
    with np.load(npz, allow_pickle=False) as data:
        stored = {k: data[k] for k in data.files}
    assert sorted(Path(str(n)).name for n in stored['img_names']) == sorted(detections)
    for i, name in enumerate(stored['img_names']):
        rows = slice(stored['offsets'][i], stored['offsets'][i + 1])
        # by score, ties (equal scores, e.g. many faces at the same confidence) by box
        boxes, scores = stored['bboxes'][rows], stored['scores'][rows]
        order = np.lexsort((*np.round(boxes, 1).T[::-1], -np.round(scores, 4)))
        expected = sorted(detections[Path(str(name)).name],
                          key=lambda d: (-round(float(d[2]), 4),
                                         *np.round(np.asarray(d[1], float), 1)))
        assert len(order) == len(expected), name
        np.testing.assert_allclose(stored['scores'][rows][order], [d[2] for d in expected],
                                   atol=1e-4)
        np.testing.assert_allclose(stored['bboxes'][rows][order], np.reshape(
            [d[1] for d in expected], (-1, 4)), atol=0.05)
        assert [classes[int(k)] for k in stored['labels'][rows][order]] == \
            [d[0] for d in expected]
