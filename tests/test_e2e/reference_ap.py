"""Expected numbers for the end-to-end tests, computed without the benchmark harness.

Detections: what a researcher gets who saves each enhanced image as an 8-bit PNG and runs the
detector with its own config's test pipeline (mmdet transforms, ``model.test_step``), one image
at a time. Their AP is scored by the numpy VOC AP of ``tests/reference_voc_ap.py``.
"""
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

import cv2
import numpy as np
from reference_voc_ap import Detections


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

    from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector
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
