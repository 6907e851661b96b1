"""Image-quality and cost metrics."""
from .cost import count_flops, count_parameters, enhancer_cost, time_per_image
from .directions import METRIC_DIRECTIONS, lower_better, metric_direction
from .full_reference import psnr, ssim
from .image_quality_metric import ImageQualityMetric
from .niqe import niqe

__all__ = [
    'ImageQualityMetric', 'METRIC_DIRECTIONS', 'count_flops', 'count_parameters',
    'enhancer_cost', 'lower_better', 'metric_direction', 'niqe', 'psnr', 'ssim', 'time_per_image'
]
