"""Image-quality and cost metrics.

The NIQE function lives in :mod:`sdag_bench.metrics.niqe` (``from sdag_bench.metrics.niqe import
niqe``); it is not re-exported here so that the module name is not shadowed by the function.
"""
from .cost import count_flops, count_parameters, enhancer_cost, time_per_image
from .directions import METRIC_DIRECTIONS, lower_better, metric_direction
from .full_reference import psnr, ssim
from .image_quality_metric import ImageQualityMetric

__all__ = [
    'ImageQualityMetric', 'METRIC_DIRECTIONS', 'count_flops', 'count_parameters',
    'enhancer_cost', 'lower_better', 'metric_direction', 'psnr', 'ssim', 'time_per_image'
]
