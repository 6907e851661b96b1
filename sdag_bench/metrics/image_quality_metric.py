"""Visual quality of the enhanced images a detector saw: NIQE, and PSNR/SSIM when paired."""
import math
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor

from sdag_bench.registry import METRICS
from .full_reference import psnr, ssim
from .metric_info import METRIC_INFO
from .niqe import niqe

#: Metainfo key counting the non-finite values the enhancer produced for an image: set by
#: ``EnhancedDetDataPreprocessor``, read here and by the benchmark (defined once, at this layer).
NONFINITE_KEY = 'enhancer_nonfinite'
#: Data-sample field holding the enhanced image (RGB float [0, 1], C x H x W, before padding):
#: set by ``EnhancedDetDataPreprocessor``, scored here (defined once, at this layer).
ENHANCED_FIELD = 'enhanced_img'
SUPPORTED = ('niqe', 'psnr', 'ssim')


def _field(sample: Any, key: str) -> Optional[Any]:
    """``sample[key]`` of a dict or data element, None when absent."""
    if isinstance(sample, dict):
        return sample.get(key)
    return getattr(sample, key, None)


def _as_float_image(img: Any) -> Tensor:
    """C x H x W tensor in [0, 1]: uint8 is divided by 255, floats are kept."""
    img = torch.as_tensor(img)
    if img.dim() != 3:
        raise ValueError(f'expected a C x H x W image, got shape {tuple(img.shape)}')
    return img.float() / 255. if img.dtype == torch.uint8 else img.float()


def _all_finite(img: Tensor) -> bool:
    """Whether every value is finite (a finite sum proves it cheaply; else check each value)."""
    return bool(torch.isfinite(img.sum())) or bool(torch.isfinite(img).all())


@METRICS.register_module()
class ImageQualityMetric(BaseMetric):
    """Mean NIQE / PSNR / SSIM of enhanced images, from the very tensors the detector saw.

    Each data sample is expected to carry the enhanced RGB image in [0, 1] (C x H x W, before
    padding) as ``enhanced_key``, as ``EnhancedDetDataPreprocessor`` attaches it; PSNR and SSIM
    also need a normal-light reference (``reference_key``, uint8 or float RGB, in the output sample
    or in the input batch's sample) and are skipped for images without one.

    Reported (prefix ``quality``): the mean of each metric over images where it is finite,
    ``num_images``, ``nonfinite_images`` (enhanced images that held NaN/Inf, from the tensor itself
    or the preprocessor's ``enhancer_nonfinite`` count: left out of every mean) and, per metric,
    ``<metric>_count`` (images averaged). A metric that is not finite for an image (NIQE of an
    image smaller than 96x96 or without texture, PSNR of an exact copy) is not averaged in.

    Args:
        metrics (Sequence[str]): Any of 'niqe', 'psnr', 'ssim'. Defaults to all three.
        enhanced_key (str): Sample field of the enhanced image. Defaults to 'enhanced_img'.
        reference_key (str): Sample field of the reference image. Defaults to 'gt_img'.
        convert_to (str): Colour space of PSNR/SSIM, 'rgb' or 'y'. Defaults to 'rgb'.
        niqe_block_size (int): NIQE block side. Defaults to 96.
        collect_device (str): Passed to ``BaseMetric``. Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'quality'.
    """

    default_prefix = 'quality'
    #: Scores only the enhanced images, not detections: the benchmark computes it once per
    #: (enhancer, dataset) and reports it for every detector.
    image_only = True
    #: Direction of every key this metric reports (read by leaderboards).
    directions = {name: METRIC_INFO[name].direction for name in SUPPORTED}

    def __init__(self,
                 metrics: Sequence[str] = SUPPORTED,
                 enhanced_key: str = ENHANCED_FIELD,
                 reference_key: str = 'gt_img',
                 convert_to: str = 'rgb',
                 niqe_block_size: int = 96,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = sorted(set(metrics) - set(SUPPORTED))
        if unknown:
            raise ValueError(f'unknown quality metrics {unknown}; supported: {list(SUPPORTED)}')
        self.metrics = tuple(metrics)
        self.enhanced_key = enhanced_key
        self.reference_key = reference_key
        self.convert_to = convert_to
        self.niqe_block_size = niqe_block_size

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score the enhanced image of every sample of a batch.

        Args:
            data_batch (Any): The loader's batch; its ``data_samples`` may hold the references.
            data_samples (Sequence): Model outputs (dicts or data elements) with the enhanced
                images.
        """
        inputs = data_batch.get('data_samples') if isinstance(data_batch, dict) else None
        images, references, flagged = [], [], []
        for idx, sample in enumerate(data_samples):
            enhanced = _field(sample, self.enhanced_key)
            if enhanced is None:
                raise KeyError(f'data sample {idx} has no {self.enhanced_key!r}: enable '
                               'keep_enhanced in EnhancedDetDataPreprocessor')
            reference = _field(sample, self.reference_key)
            if reference is None and inputs is not None and idx < len(inputs):
                reference = _field(inputs[idx], self.reference_key)
            images.append(_as_float_image(enhanced))
            references.append(None if reference is None else _as_float_image(reference))
            flagged.append((_field(sample, NONFINITE_KEY) or 0) > 0 or
                           (_field(getattr(sample, 'metainfo', {}), NONFINITE_KEY) or 0) > 0)
        self.results.extend(self.score_images(images, references, flagged))

    @torch.no_grad()
    def score_images(self, images: Sequence[Tensor],
                     references: Optional[Sequence[Optional[Tensor]]] = None,
                     flagged: Optional[Sequence[bool]] = None) -> List[Dict[str, float]]:
        """Per-image scores; usable without a runner.

        Args:
            images (Sequence[Tensor]): Enhanced RGB images in [0, 1], C x H x W each.
            references (Sequence[Tensor | None], optional): References, same sizes.
            flagged (Sequence[bool], optional): Images known to have held non-finite values.

        Returns:
            list[dict]: One dict per image: ``nonfinite`` (bool) and the finite-or-NaN scores.
        """
        n = len(images)
        references = list(references) if references is not None else [None] * n
        flagged = list(flagged) if flagged is not None else [False] * n
        scores: List[Dict[str, float]] = [{} for _ in range(n)]
        clean = []
        for i, img in enumerate(images):
            scores[i]['nonfinite'] = bool(flagged[i]) or not _all_finite(img)
            if not scores[i]['nonfinite']:
                clean.append(i)
        if 'niqe' in self.metrics:
            by_size = defaultdict(list)  # images of one size are scored as one batch
            for i in clean:
                by_size[tuple(images[i].shape)].append(i)
            for (_, h, w), group in by_size.items():
                if min(h, w) < self.niqe_block_size:
                    values = [math.nan] * len(group)
                else:
                    values = niqe(torch.stack([images[i] for i in group]),
                                  self.niqe_block_size).tolist()
                for i, value in zip(group, values):
                    scores[i]['niqe'] = value
        for i in clean:
            if references[i] is None:
                continue
            img, ref = images[i], references[i].to(images[i].device)
            if 'psnr' in self.metrics:
                scores[i]['psnr'] = psnr(img, ref, convert_to=self.convert_to).item()
            if 'ssim' in self.metrics:
                scores[i]['ssim'] = ssim(img, ref, convert_to=self.convert_to).item()
        return scores

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Means over the images where each metric is finite, with counts.

        Args:
            results (list): Per-image dicts from :meth:`score_images`.

        Returns:
            dict: ``niqe``/``psnr``/``ssim`` means (NaN when no image counted),
            ``<metric>_count``, ``num_images`` and ``nonfinite_images``.
        """
        out: Dict[str, float] = dict(num_images=len(results),
                                     nonfinite_images=sum(r['nonfinite'] for r in results))
        for name in self.metrics:
            values = [r[name] for r in results if name in r and math.isfinite(r[name])]
            out[name] = sum(values) / len(values) if values else math.nan
            out[f'{name}_count'] = len(values)
        return out
