"""What every canonical metric is: direction, range and meaning, in one table.

Each number a cell stores under a canonical name (see :mod:`sdag_bench.metrics.canonical`) is
described here once; the canonical-name mapping, the leaderboard columns, the stand-alone image
metrics (:func:`sdag_bench.metrics.create_metric`) and the README read this table. As in pyiqa,
a metric knows its direction (``lower_better``) so tables sort and mark best values without
special cases.

Per-class names (``AP50/<class>``, ``mAP/<class>``) share the facts of their stem. Book-keeping
counts stored beside the metrics (``niqe_count``, ``quality_images``,
``quality_nonfinite_images``, ...) have no direction and are not listed.
"""
import math
from dataclasses import dataclass
from typing import Dict, Tuple

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
    """

    name: str
    direction: str
    score_range: Tuple[float, float]
    label: str
    description: str

    @property
    def lower_better(self) -> bool:
        """Whether smaller values are better."""
        return self.direction == LOWER


def _table(*rows: MetricInfo) -> Dict[str, MetricInfo]:
    return {row.name: row for row in rows}


_AP = (0., 1.)
_COUNT = (0., math.inf)

#: Canonical name -> :class:`MetricInfo`, in the order tables show them.
METRIC_INFO: Dict[str, MetricInfo] = _table(
    MetricInfo('AP50', HIGHER, _AP, 'AP50',
               'detection AP at IoU 0.5 (VOC area or 11-point; COCO 101-point without a VOC '
               'metric)'),
    MetricInfo('AP75', HIGHER, _AP, 'AP75', 'detection AP at IoU 0.75'),
    MetricInfo('mAP', HIGHER, _AP, 'mAP', 'COCO detection AP averaged over IoU 0.50:0.95'),
    MetricInfo('AP_small', HIGHER, _AP, 'AP_small', 'COCO mAP of small objects'),
    MetricInfo('AP_medium', HIGHER, _AP, 'AP_medium', 'COCO mAP of medium objects'),
    MetricInfo('AP_large', HIGHER, _AP, 'AP_large', 'COCO mAP of large objects'),
    MetricInfo('niqe', LOWER, (0., math.inf), 'NIQE',
               'no-reference naturalness of the enhanced image (NIQE, MATLAB release)'),
    MetricInfo('psnr', HIGHER, (0., math.inf), 'PSNR',
               'full-reference peak signal-to-noise ratio in dB (inf for an exact copy)'),
    MetricInfo('ssim', HIGHER, (-1., 1.), 'SSIM', 'full-reference structural similarity'),
    MetricInfo('faces', HIGHER, _COUNT, 'faces',
               'confident detections (score above a threshold) on unlabelled photos'),
    MetricInfo('faces_per_image', HIGHER, _COUNT, 'faces/img',
               'confident detections per image'),
    MetricInfo('images_with_faces', HIGHER, _COUNT, 'images_with_faces',
               'images with at least one confident detection'),
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
