"""The suite's image metrics outside the benchmark, pyiqa-style.

Example:
    >>> from sdag_bench.metrics import create_metric, list_metrics
    >>> list_metrics()
    ['niqe', 'psnr', 'ssim']
    >>> niqe = create_metric('niqe')
    >>> niqe(images)             # (N, 3, H, W) float RGB in [0, 1] -> (N,) float64 scores
    >>> niqe.lower_better, niqe.score_range
    (True, (0.0, inf))
    >>> create_metric('psnr', convert_to='y')(images, references)

The scores are those of the benchmark's :class:`ImageQualityMetric`: the same functions
(:func:`~sdag_bench.metrics.niqe.niqe`, :func:`~sdag_bench.metrics.full_reference.psnr`,
:func:`~sdag_bench.metrics.full_reference.ssim`) compute them, and the direction and range come
from :data:`~sdag_bench.metrics.metric_info.METRIC_INFO`.
"""
import inspect
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from torch import Tensor

from .full_reference import psnr, ssim
from .metric_info import METRIC_INFO, MetricInfo
from .niqe import niqe

#: Name -> (function, whether it needs a reference image). The names are canonical metric names.
IMAGE_METRICS: Dict[str, Tuple[Callable[..., Tensor], bool]] = {
    'niqe': (niqe, False),
    'psnr': (psnr, True),
    'ssim': (ssim, True),
}

#: How to turn the usual image formats into the input the metrics take.
_CONVERSION_HINT = ('convert an H x W x 3 uint8 RGB array with '
                    '`torch.tensor(img).permute(2, 0, 1)[None].float() / 255`')


def list_metrics() -> List[str]:
    """Names accepted by :func:`create_metric`.

    Returns:
        list[str]: e.g. ``['niqe', 'psnr', 'ssim']``.
    """
    return list(IMAGE_METRICS)


def _check_images(img: Any, what: str) -> Tensor:
    """Return ``img`` as a ``(N, 3, H, W)`` float tensor, or raise naming what is wrong."""
    if not isinstance(img, Tensor):
        raise TypeError(f'{what} must be a torch.Tensor, got {type(img).__name__}; '
                        + _CONVERSION_HINT)
    if not img.is_floating_point():
        raise TypeError(f'{what} must be a float tensor in [0, 1], got {img.dtype}; '
                        + _CONVERSION_HINT)
    if img.dim() == 3:
        img = img[None]
    if img.dim() != 4 or img.shape[1] != 3:
        raise ValueError(f'{what} must be RGB of shape (N, 3, H, W) or (3, H, W), got '
                         f'{tuple(img.shape)}')
    finite = img[torch.isfinite(img)]
    if finite.numel() and (finite.min() < 0 or finite.max() > 1):
        raise ValueError(f'{what} must hold values in [0, 1], got [{finite.min().item():g}, '
                         f'{finite.max().item():g}]: divide 0-255 images by 255, clamp an '
                         "enhancer's overshoot first")
    return img


class ImageMetric:
    """One image metric, called on batches of images.

    Input contract: RGB float tensors in [0, 1], ``(N, 3, H, W)`` (or one ``(3, H, W)``
    image), on any device; NaN/Inf values give a NaN score. Full-reference metrics take
    ``(images, references)`` of the same shape.

    Args:
        name (str): One of :func:`list_metrics`.
        **options: Keyword arguments of the metric's function (e.g. ``convert_to='y'`` or
            ``crop_border=4`` for PSNR/SSIM, ``block_size`` for NIQE).

    Attributes:
        info (MetricInfo): Direction, range and meaning (also as ``direction``,
            ``lower_better``, ``score_range``).
        full_reference (bool): Whether a reference image is needed.
    """

    def __init__(self, name: str, **options: Any) -> None:
        if name not in IMAGE_METRICS:
            raise KeyError(f'unknown image metric {name!r}; known: {list_metrics()}')
        self.name = name
        self.info: MetricInfo = METRIC_INFO[name]
        self._function, self.full_reference = IMAGE_METRICS[name]
        image_arguments = 2 if self.full_reference else 1
        accepted = list(inspect.signature(self._function).parameters)[image_arguments:]
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise TypeError(f'{name} takes no option(s) {unknown}; its options: {accepted}')
        self.options = options

    @property
    def direction(self) -> str:
        """'higher' or 'lower' is better."""
        return self.info.direction

    @property
    def lower_better(self) -> bool:
        """Whether smaller scores are better."""
        return self.info.lower_better

    @property
    def score_range(self) -> Tuple[float, float]:
        """Smallest and largest possible score."""
        return self.info.score_range

    def __call__(self, images: Tensor, references: Optional[Tensor] = None) -> Tensor:
        """Score each image.

        Args:
            images (Tensor): ``(N, 3, H, W)`` or ``(3, H, W)`` RGB float in [0, 1].
            references (Tensor, optional): Reference images of the same shape; required by
                full-reference metrics, refused by the others.

        Returns:
            Tensor: ``(N,)`` float64 scores (``.item()`` for one image).
        """
        images = _check_images(images, 'images')
        if not self.full_reference:
            if references is not None:
                raise TypeError(f'{self.name} is a no-reference metric: call it on the images '
                                'alone')
            return self._function(images, **self.options)
        if references is None:
            raise TypeError(f'{self.name} is a full-reference metric: call it as '
                            f'{self.name}(images, references)')
        return self._function(images, _check_images(references, 'references'), **self.options)

    def __repr__(self) -> str:
        options = ''.join(f', {k}={v!r}' for k, v in self.options.items())
        return f'{type(self).__name__}({self.name!r}{options})'


def create_metric(name: str, **options: Any) -> ImageMetric:
    """Build an image metric by name, as ``pyiqa.create_metric``.

    Args:
        name (str): One of :func:`list_metrics`.
        **options: Keyword arguments of the metric's function (see :class:`ImageMetric`).

    Returns:
        ImageMetric: A callable on ``(N, 3, H, W)`` float RGB in [0, 1] (and references).

    Raises:
        KeyError: For an unknown name (the message lists the known ones).
    """
    return ImageMetric(name, **options)
