"""Detection, image-quality and cost metrics, and the facts (direction, range) of each.

The NIQE function lives in :mod:`sdag_bench.metrics.niqe` (``from sdag_bench.metrics.niqe import
niqe``); it is not re-exported here so that the module name is not shadowed by the function.
Outside the benchmark, ``create_metric('niqe')`` gives it with its direction and range.
"""
from .confident_detections import ConfidentDetectionCount
from .cost import count_flops, count_parameters, enhancer_cost, time_per_image
from .full_reference import psnr, ssim
from .image_quality_metric import ENHANCED_FIELD, NONFINITE_KEY, ImageQualityMetric
from .metric_info import METRIC_INFO, MetricInfo, lower_better, metric_direction, metric_info
from .standalone import ImageMetric, create_metric, list_metrics
from .voc_classwise_metric import ClasswiseVOCMetric

__all__ = [
    'ClasswiseVOCMetric', 'ConfidentDetectionCount', 'ENHANCED_FIELD', 'ImageQualityMetric',
    'ImageMetric', 'MetricInfo', 'METRIC_INFO', 'NONFINITE_KEY', 'count_flops',
    'count_parameters', 'create_metric', 'enhancer_cost', 'list_metrics', 'lower_better',
    'metric_direction', 'metric_info', 'psnr', 'ssim', 'time_per_image'
]
