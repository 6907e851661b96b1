"""``LoadReferenceImage``: the normal-light reference of a dark image, for PSNR/SSIM."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from sdag_bench.utils.image_io import read_image
from sdag_bench.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadReferenceImage(BaseTransform):
    """Read ``ref_path`` into ``gt_img`` (RGB uint8, C x H x W), sized like ``img``.

    Place it after the geometric transforms: a reference whose size differs from the current
    ``img`` is resized to it (bilinear), so it stays aligned with what the detector sees.
    Samples without ``ref_path`` pass through unchanged (PSNR/SSIM are then skipped for them).

    Required keys: ``img`` (optional ``ref_path``). Added keys: ``gt_img``.
    """

    def transform(self, results: dict) -> dict:
        path = results.get('ref_path')
        if not path:
            return results
        ref = read_image(path, channel_order='rgb')
        height, width = results['img'].shape[:2]
        if ref.shape[:2] != (height, width):
            ref = cv2.resize(ref, (width, height), interpolation=cv2.INTER_LINEAR)
        results['gt_img'] = np.ascontiguousarray(ref.transpose(2, 0, 1))
        return results
