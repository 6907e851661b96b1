"""Which way is better for every metric the benchmark reports (pyiqa's ``lower_better``)."""
from typing import Dict

#: Metric name (without its ``quality/``, ``cost/`` ... prefix) -> 'lower' or 'higher'.
METRIC_DIRECTIONS: Dict[str, str] = {
    # no-reference visual quality
    'niqe': 'lower',
    'loe': 'lower',
    # full-reference visual quality (paired sets)
    'psnr': 'higher',
    'ssim': 'higher',
    # detection
    'ap50': 'higher',
    'map': 'higher',
    # cost of the enhancer alone
    'params': 'lower',
    'flops': 'lower',
    'gflops': 'lower',
    'ms_per_image': 'lower',
}


def metric_direction(name: str) -> str:
    """Direction of a metric, looked up without prefix and case.

    Args:
        name (str): e.g. ``'quality/niqe'``, ``'NIQE'``, ``'cost/ms_per_image'``,
            ``'voc/AP50'``, ``'voc/AP50/Bicycle'``, ``'coco/bbox_mAP'``.

    Returns:
        str: 'lower' or 'higher'.

    Raises:
        KeyError: For a metric with no known direction (the message lists the known ones).
    """
    for part in reversed(name.lower().split('/')):  # 'voc/AP50/Bicycle' -> 'ap50'
        part = part[len('bbox_'):] if part.startswith('bbox_') else part
        if part in METRIC_DIRECTIONS:
            return METRIC_DIRECTIONS[part]
    raise KeyError(f'no direction known for metric {name!r}; known: {sorted(METRIC_DIRECTIONS)}')


def lower_better(name: str) -> bool:
    """Whether smaller values of ``name`` are better (see :func:`metric_direction`).

    Args:
        name (str): Metric name, with or without prefix.

    Returns:
        bool: True for 'lower' metrics.
    """
    return metric_direction(name) == 'lower'
