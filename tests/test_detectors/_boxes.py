"""Box overlap for the conformance tests, from mmdet (code we did not write)."""
import numpy as np
from mmdet.evaluation.functional import bbox_overlaps


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box a (4,) with boxes b (N, 4), x1 y1 x2 y2 (no +1 pixel convention)."""
    return bbox_overlaps(np.asarray(a, np.float32)[None], np.asarray(b, np.float32),
                         use_legacy_coordinate=False)[0]
