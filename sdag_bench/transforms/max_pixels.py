"""``LimitPixels``: downscale only the images too large to enhance, keep the rest native."""
import math

import mmcv
from mmcv.transforms import BaseTransform

from sdag_bench.registry import TRANSFORMS

#: Default limit: ``EnhancedDetDataPreprocessor``'s ``max_enhance_pixels`` (4096 x 4096).
DEFAULT_MAX_PIXELS = 4096 * 4096


@TRANSFORMS.register_module()
class LimitPixels(BaseTransform):
    """Downscale an image with more than ``max_pixels`` pixels to at most that many.

    The benchmark enhances each image at its native size; a photo larger than the enhancer can
    hold (a full-resolution CNN keeps tens of float feature maps of the image's size) is the
    exception. Put this transform after loading in a dataset's test pipeline: smaller images
    pass unchanged, larger ones are resized (aspect ratio kept, bilinear) and get a
    ``scale_factor`` like mmdet's ``Resize``, so the detector's boxes still map back to the
    original image. The benchmark counts such images in each cell's protocol
    (``enhanced_at``).

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``. Added keys:
    ``scale_factor`` (only for a resized image).

    Args:
        max_pixels (int): Largest image kept as it is. Defaults to 4096 x 4096.
        interpolation (str): mmcv interpolation. Defaults to 'bilinear'.
    """

    def __init__(self, max_pixels: int = DEFAULT_MAX_PIXELS,
                 interpolation: str = 'bilinear') -> None:
        if max_pixels < 1:
            raise ValueError(f'max_pixels must be >= 1, got {max_pixels}')
        self.max_pixels = int(max_pixels)
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        """Downscale ``results['img']`` if it is too large.

        Args:
            results (dict): With ``img`` (H x W [x C]).

        Returns:
            dict: The results, resized if needed.
        """
        height, width = results['img'].shape[:2]
        if height * width <= self.max_pixels:
            return results
        ratio = math.sqrt(self.max_pixels / (height * width))
        new_w, new_h = max(1, int(width * ratio)), max(1, int(height * ratio))
        results['img'] = mmcv.imresize(results['img'], (new_w, new_h),
                                       interpolation=self.interpolation)
        results['img_shape'] = (new_h, new_w)
        results['scale_factor'] = (new_w / width, new_h / height)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(max_pixels={self.max_pixels})'
