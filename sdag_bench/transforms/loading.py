"""``LoadImageRobust``: a drop-in for mmcv's ``LoadImageFromFile`` that survives real photo sets."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from sdag_bench.registry import TRANSFORMS
from sdag_bench.utils.image_io import (BadImageLog, ImageReadError, decode_image,
                                       os_error_problem)

#: Images skipped by every ``LoadImageRobust(skip_bad=True)`` in this process.
SKIPPED_IMAGES = BadImageLog()


@TRANSFORMS.register_module()
class LoadImageRobust(BaseTransform):
    """Load an image as ``uint8`` BGR with the rules of :mod:`sdag_bench.utils.image_io`.

    Same keys as ``LoadImageFromFile``: reads ``img_path``; writes ``img``, ``img_shape``,
    ``ori_shape``. EXIF orientation is applied, grey/RGBA/16-bit/CMYK inputs become 3-channel
    8-bit, and a missing, empty, truncated, corrupt, unreadable (permissions, symbolic link
    loop) or oversized file raises
    :class:`~sdag_bench.utils.image_io.ImageReadError` naming the file and the problem.

    With ``skip_bad=True`` such a file is recorded in :attr:`skipped` (and in the module-wide
    ``SKIPPED_IMAGES``) and the transform returns None, the mmengine signal to drop the sample:
    a training dataset then fetches another index. A *test* dataset refuses None, so for
    evaluation drop bad files up front with the dataset's ``skip_bad_images=True`` instead.
    Counts live in the process that ran the transform (with ``num_workers > 0``, the workers).

    Args:
        to_float32 (bool): Return ``float32`` instead of ``uint8``. Defaults to False.
        skip_bad (bool): Skip and count unreadable files instead of raising. Defaults to False.
        backend_args (dict, optional): mmengine file backend arguments. Defaults to None.
    """

    def __init__(self,
                 to_float32: bool = False,
                 skip_bad: bool = False,
                 backend_args: Optional[dict] = None) -> None:
        self.to_float32 = to_float32
        self.skip_bad = skip_bad
        self.backend_args = backend_args.copy() if backend_args else None
        self.skipped = BadImageLog()

    def _load(self, filename: str) -> np.ndarray:
        try:
            data = fileio.get(filename, backend_args=self.backend_args)
        except OSError as err:  # missing, directory, symbolic link loop, permission ...
            raise ImageReadError(filename, os_error_problem(err)) from None
        return decode_image(data, filename, channel_order='bgr')

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']``.

        Args:
            results (dict): Result dict with ``img_path``.

        Returns:
            dict | None: The results with the image, or None for a skipped bad file.
        """
        filename = results['img_path']
        try:
            img = self._load(filename)
        except ImageReadError as err:
            if not self.skip_bad:
                raise
            self.skipped.add(err)
            SKIPPED_IMAGES.add(err)
            return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'skip_bad={self.skip_bad}, backend_args={self.backend_args})')
