"""What every canonical metric is: direction, range and meaning, in one table.

Each number a cell stores under a canonical name (see :mod:`sdag_bench.metrics.canonical`) is
described here once; the canonical-name mapping, the leaderboard columns, the stand-alone image
metrics (:func:`sdag_bench.metrics.create_metric`) and the README read this table. As in pyiqa,
a metric knows its direction (``lower_better``) so tables sort and mark best values without
special cases.

Per-class names (``AP50/<class>``, ``mAP/<class>``) share the facts of their stem. Book-keeping
counts stored beside the metrics (``niqe_count``, ``quality_images``,
``quality_nonfinite_images``, ...) have no direction; they are listed in :data:`COUNT_NAMES`.
The results store checks every stored value against these facts when it reads a cell
(:func:`check_metric_value`).
"""
import math
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

HIGHER = 'higher'
LOWER = 'lower'
#: Stems whose per-class names ``<stem>/<class>`` are canonical too.
PER_CLASS_STEMS = ('AP50', 'mAP')


@dataclass(frozen=True)
class MetricInfo:
    """Facts about one canonical metric.

    Args:
        name (str): Canonical name, the key in a cell's ``metrics``.
        direction (str): 'higher' or 'lower' is better.
        score_range (tuple[float, float]): Smallest and largest possible value (``math.inf``
            where unbounded).
        label (str): Short column title in tables.
        description (str): What the number is, in one line.
        undefined (float, optional): The value an evaluator writes where the metric is not
            defined, accepted besides ``score_range`` (COCO: -1 when the test set has no object
            of that size). Defaults to None.
    """

    name: str
    direction: str
    score_range: Tuple[float, float]
    label: str
    description: str
    undefined: Optional[float] = None

    @property
    def lower_better(self) -> bool:
        """Whether smaller values are better."""
        return self.direction == LOWER


def _table(*rows: MetricInfo) -> Dict[str, MetricInfo]:
    return {row.name: row for row in rows}


_AP = (0., 1.)
_COUNT = (0., math.inf)
_COCO_UNDEFINED = -1.

#: What a confident-detection count may count (``ConfidentDetectionCount(counts=...)``): the
#: stem of its canonical names.
COUNTED = ('detections', 'faces')


def counted_names(counts: str) -> Tuple[str, str, str]:
    """The canonical names of a confident-detection count: total, per image, images with one.

    Args:
        counts (str): One of :data:`COUNTED`.

    Returns:
        tuple[str, str, str]: e.g. ``('faces', 'faces_per_image', 'images_with_faces')``.

    Raises:
        ValueError: ``counts`` is not in :data:`COUNTED`.
    """
    if counts not in COUNTED:
        raise ValueError(f'ConfidentDetectionCount counts {counts!r}: expected one of {COUNTED}')
    return counts, f'{counts}_per_image', f'images_with_{counts}'


def _count_infos(counts: str, per_image_label: str, what: str,
                 one: str) -> Tuple[MetricInfo, ...]:
    """The three facts of a confident-detection count of ``counts`` (``what`` they are, ``one``
    of them)."""
    total, per_image, images = counted_names(counts)
    return (MetricInfo(total, HIGHER, _COUNT, total,
                       f'{what} (score above a threshold) on unlabelled photos'),
            MetricInfo(per_image, HIGHER, _COUNT, per_image_label, f'{what} per image'),
            MetricInfo(images, HIGHER, _COUNT, images, f'images with at least one {one}'))


#: Canonical name -> :class:`MetricInfo`, in the order tables show them.
METRIC_INFO: Dict[str, MetricInfo] = _table(
    MetricInfo('AP50', HIGHER, _AP, 'AP50',
               'detection AP at IoU 0.5 (VOC area or 11-point; COCO 101-point without a VOC '
               'metric)'),
    MetricInfo('AP75', HIGHER, _AP, 'AP75', 'detection AP at IoU 0.75',
               undefined=_COCO_UNDEFINED),
    MetricInfo('mAP', HIGHER, _AP, 'mAP', 'COCO detection AP averaged over IoU 0.50:0.95',
               undefined=_COCO_UNDEFINED),
    MetricInfo('AP_small', HIGHER, _AP, 'AP_small', 'COCO mAP of small objects',
               undefined=_COCO_UNDEFINED),
    MetricInfo('AP_medium', HIGHER, _AP, 'AP_medium', 'COCO mAP of medium objects',
               undefined=_COCO_UNDEFINED),
    MetricInfo('AP_large', HIGHER, _AP, 'AP_large', 'COCO mAP of large objects',
               undefined=_COCO_UNDEFINED),
    MetricInfo('niqe', LOWER, (0., math.inf), 'NIQE',
               'no-reference naturalness of the enhanced image (NIQE, MATLAB release)'),
    MetricInfo('psnr', HIGHER, (0., math.inf), 'PSNR',
               'full-reference peak signal-to-noise ratio in dB (inf for an exact copy)'),
    MetricInfo('ssim', HIGHER, (-1., 1.), 'SSIM', 'full-reference structural similarity'),
    *_count_infos('detections', 'det./img', 'confident detections', 'confident detection'),
    *_count_infos('faces', 'faces/img', "a face detector's confident detections",
                  'confident face'),
    MetricInfo('confident_per_image', HIGHER, _COUNT, 'confident/img',
               'label-free: detections with score >= 0.5 per image, from stored predictions'),
    MetricInfo('top_confidence', HIGHER, _AP, 'top conf.',
               "label-free: mean over images of the detector's highest score (0 if none)"),
    MetricInfo('cost/params', LOWER, _COUNT, 'params', 'parameters of the enhancer'),
    MetricInfo('cost/flops', LOWER, _COUNT, 'FLOPs',
               'FLOPs of the enhancer per image (one multiply-add = one FLOP)'),
    MetricInfo('cost/gflops', LOWER, _COUNT, 'GFLOPs', 'the same in units of 10^9'),
    MetricInfo('cost/ms_per_image', LOWER, _COUNT, 'ms/img',
               'median milliseconds of the enhancer per image'),
)


#: Book-keeping counts stored beside the metrics (non-negative integers, no direction).
COUNT_NAMES = ('niqe_count', 'psnr_count', 'ssim_count', 'quality_images',
               'quality_nonfinite_images')


def metric_info(name: str) -> MetricInfo:
    """The facts of a canonical metric name (``AP50/<class>`` as ``AP50``).

    Args:
        name (str): A canonical name, e.g. ``'niqe'``, ``'AP50/People'``,
            ``'cost/ms_per_image'``.

    Returns:
        MetricInfo: Its entry in :data:`METRIC_INFO`.

    Raises:
        KeyError: For a name that is not canonical (the message lists the canonical ones).
    """
    if name in METRIC_INFO:
        return METRIC_INFO[name]
    stem, _, cls = name.partition('/')
    if stem in PER_CLASS_STEMS and cls:
        return METRIC_INFO[stem]
    raise KeyError(f'{name!r} is not a canonical metric name; known: {list(METRIC_INFO)} and '
                   + ', '.join(f'{stem}/<class>' for stem in PER_CLASS_STEMS))


def metric_direction(name: str) -> str:
    """'higher' or 'lower' for a canonical name (see :func:`metric_info`).

    Args:
        name (str): A canonical metric name.

    Returns:
        str: 'higher' or 'lower'.
    """
    return metric_info(name).direction


def lower_better(name: str) -> bool:
    """Whether smaller values of a canonical metric are better.

    Args:
        name (str): A canonical metric name.

    Returns:
        bool: True for 'lower' metrics.
    """
    return metric_info(name).lower_better


def check_metric_value(name: str, value: Any) -> Optional[str]:
    """Why ``value`` cannot be what a cell stores under ``name``; None when it can.

    A canonical metric (see :func:`metric_info`) must be a number within its ``score_range``
    (or its ``undefined`` value); a count of :data:`COUNT_NAMES` a non-negative integer. Any
    other name is an evaluator's own key, kept as it came (nothing reads it) and not checked.
    ``None`` passes: it is how the store writes a NaN or infinity (strict JSON), listed in the
    record's ``nonfinite_values``.

    Args:
        name (str): The key in a cell's ``metrics``.
        value (Any): The stored value.

    Returns:
        str | None: The problem in a few words (naming the value), or None.
    """
    if value is None:
        return None
    stem = name.partition('/')[0]
    if name not in COUNT_NAMES and name not in METRIC_INFO and stem not in PER_CLASS_STEMS:
        return None  # an evaluator's own key
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f'{name} = {value!r} is a {type(value).__name__}, not a number'
    if not math.isfinite(value):
        return f'{name} = {value!r} is not finite (the store writes NaN/inf as null)'
    if name in COUNT_NAMES:
        if value < 0 or not float(value).is_integer():
            return f'{name} = {value!r} is not a count (a non-negative integer)'
        return None
    try:
        info = metric_info(name)
    except KeyError:
        return None  # e.g. 'AP50/' without a class
    low, high = info.score_range
    if not low <= value <= high and value != info.undefined:
        return f'{name} = {value!r} is outside its range [{low}, {high}]'
    return None
