"""One name per metric: the keys every cell, table, plot and study reads.

Evaluators name the same number differently: mmdet's ``VOCMetric`` reports ``pascal_voc/AP50``,
the project's ``ClasswiseVOCMetric`` ``voc/AP50`` (and ``voc/AP50/<class>``), ``CocoMetric``
``coco/bbox_mAP``, ... and a user may give any of them another ``prefix``. The benchmark maps
whatever evaluators a dataset config uses onto the canonical names below (by the evaluator's
*type*, so a custom prefix changes nothing) and stores them in a cell's ``metrics``; the raw
evaluator keys are kept beside them as ``raw_metrics`` and nothing downstream reads those.

=====================  ===============================================================
canonical name         read from
=====================  ===============================================================
``AP50``               VOC metric ``AP50`` (area or 11-point, see the cell's protocol);
                       without a VOC metric, COCO ``bbox_mAP_50``
``AP50/<class>``       ``ClasswiseVOCMetric`` per-class AP at IoU 0.5
``AP75``               VOC metric ``AP75``; else COCO ``bbox_mAP_75``
``mAP``                COCO ``bbox_mAP`` (IoU 0.50:0.95)
``mAP/<class>``        COCO per-class AP (``classwise=True``)
``AP_small`` ...       COCO ``bbox_mAP_s`` / ``_m`` / ``_l`` (``AP_medium``, ``AP_large``)
``niqe``               ``ImageQualityMetric`` (also ``niqe_count``)
``psnr``, ``ssim``     ``ImageQualityMetric`` (also ``psnr_count``, ``ssim_count``)
``quality_images``     ``ImageQualityMetric`` ``num_images``
``detections``         ``ConfidentDetectionCount`` ``count`` (``faces`` when it counts faces,
                       ``counts='faces'``: a face detector)
``detections_per_image``  ``ConfidentDetectionCount`` ``per_image`` (``faces_per_image``)
``images_with_detections``  ``ConfidentDetectionCount`` ``images_with_detection``
                       (``images_with_faces``)
``cost/params`` ...    the enhancer's cost (``cost/params``, ``cost/flops``, ``cost/gflops``,
                       ``cost/ms_per_image``)
=====================  ===============================================================

Direction, range and meaning of each name: :data:`sdag_bench.metrics.metric_info.METRIC_INFO`.

An evaluator of another type keeps its own ``<prefix>/<key>`` names (listed in the record's
``protocol['uncanonical_metrics']``), so nothing is dropped silently.
"""
import inspect
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .metric_info import counted_names

#: The per-class AP50 prefix every per-class table and plot reads.
PER_CLASS_AP50 = 'AP50/'

_COCO_KEYS = {'bbox_mAP': 'mAP', 'bbox_mAP_50': 'AP50', 'bbox_mAP_75': 'AP75',
              'bbox_mAP_s': 'AP_small', 'bbox_mAP_m': 'AP_medium', 'bbox_mAP_l': 'AP_large'}
_QUALITY_KEYS = {'niqe': 'niqe', 'psnr': 'psnr', 'ssim': 'ssim', 'niqe_count': 'niqe_count',
                 'psnr_count': 'psnr_count', 'ssim_count': 'ssim_count',
                 'num_images': 'quality_images', 'nonfinite_images': 'quality_nonfinite_images'}
#: ``ConfidentDetectionCount``'s own keys, in the order of ``counted_names``.
_CONFIDENT_KEYS = ('count', 'per_image', 'images_with_detection')
#: Evaluator kinds in the order their values win when two give the same canonical name
#: (a VOC AP50 is preferred to COCO's 101-point AP50).
_PRIORITY = ('voc', 'coco', 'quality', 'confident')


def _metric_class(metric_cfg: Any):
    from mmengine.evaluator import BaseMetric

    from sdag_bench.registry import METRICS
    if isinstance(metric_cfg, BaseMetric):
        return type(metric_cfg)
    kind = metric_cfg['type']
    if not isinstance(kind, str):
        return kind
    cls = METRICS.get(kind)
    if cls is None:
        raise KeyError(f'unknown metric type {kind!r} in test_evaluator')
    return cls


def _default_arg(cls, name: str) -> Any:
    """The default of ``cls.__init__``'s argument ``name`` (None without one)."""
    param = inspect.signature(cls.__init__).parameters.get(name)
    return None if param is None or param.default is inspect.Parameter.empty else param.default


def _default_prefix(cls) -> str:
    """The prefix a metric class uses when its config names none."""
    default = _default_arg(cls, 'prefix')
    if isinstance(default, str):
        return default
    return getattr(cls, 'default_prefix', None) or ''


def _kind(metric_cfg: Any) -> Tuple[Optional[str], str]:
    """(kind, prefix) of an evaluator (config or built metric); kind is None for one without
    canonical names."""
    from mmdet.evaluation.metrics import CocoMetric, VOCMetric

    from .confident_detections import ConfidentDetectionCount
    from .image_quality_metric import ImageQualityMetric
    cls = _metric_class(metric_cfg)
    if isinstance(metric_cfg, dict):
        prefix = metric_cfg.get('prefix') or _default_prefix(cls)
    else:
        prefix = metric_cfg.prefix or ''
    for kind, base in (('voc', VOCMetric), ('coco', CocoMetric),
                       ('quality', ImageQualityMetric), ('confident', ConfidentDetectionCount)):
        if issubclass(cls, base):
            return kind, prefix
    return None, prefix


def _counts(metric_cfg: Any) -> str:
    """What a ``ConfidentDetectionCount`` (config or built) counts: its ``counts``."""
    if isinstance(metric_cfg, dict):
        return metric_cfg.get('counts', _default_arg(_metric_class(metric_cfg), 'counts'))
    return metric_cfg.counts


def _canonical_key(kind: str, key: str, counts: str = '') -> Optional[str]:
    """The canonical name of an evaluator's own key (without its prefix), None to drop it;
    ``counts`` is what a confident-detection count counts."""
    if kind == 'voc':
        if key == 'mAP':  # VOC's mean over its IoU thresholds: AP50 when there is one
            return None
        return key  # 'AP50', 'AP75', 'AP50/<class>'
    if kind == 'coco':
        if key in _COCO_KEYS:
            return _COCO_KEYS[key]
        if key.endswith('_precision'):  # classwise=True: '<class>_precision'
            return 'mAP/' + key[:-len('_precision')]
        return None  # 'bbox_mAP_copypaste' and the like
    if kind == 'quality':
        return _QUALITY_KEYS.get(key)
    if kind == 'confident' and key in _CONFIDENT_KEYS:
        return counted_names(counts)[_CONFIDENT_KEYS.index(key)]
    return None


def canonical_metrics(raw: Dict[str, Any],
                      metric_cfgs: Sequence[dict]) -> Tuple[Dict[str, Any], List[str]]:
    """Map the raw keys of the given evaluators onto the canonical names.

    Args:
        raw (dict): ``Evaluator.evaluate`` output of ``metric_cfgs`` (``<prefix>/<key>``), plus
            any ``cost/...`` keys (kept as they are).
        metric_cfgs (Sequence[dict]): The evaluator configs that produced ``raw``.

    Returns:
        tuple[dict, list[str]]: The canonical metrics, and the raw keys of evaluators of an
        unknown type, which are kept under their own names.
    """
    kinds, counts = {}, {}
    for cfg in metric_cfgs:
        kind, prefix = _kind(cfg)
        kinds[prefix] = kind
        if kind == 'confident':
            counts[prefix] = _counts(cfg)
    found: Dict[str, Dict[str, Any]] = {kind: {} for kind in _PRIORITY}
    out: Dict[str, Any] = {}
    passed_through: List[str] = []
    for name, value in raw.items():
        if name.startswith('cost/'):
            out[name] = value
            continue
        prefix, _, key = name.partition('/')
        if not key:
            prefix, key = '', name
        kind = kinds.get(prefix)
        if kind is None:
            out[name] = value
            passed_through.append(name)
            continue
        canonical = _canonical_key(kind, key, counts.get(prefix, ''))
        if canonical is not None:
            found[kind].setdefault(canonical, value)
    for kind in reversed(_PRIORITY):  # higher priority overwrites
        out.update(found[kind])
    return out, passed_through


def metric_protocol(metrics: Sequence[Any]) -> Dict[str, Any]:
    """How the detection metrics are computed: IoU thresholds, VOC ``eval_mode``, a summary.

    Args:
        metrics (Sequence): The built metrics of the dataset config's ``test_evaluator``
            (``Evaluator(...).metrics``).

    Returns:
        dict: ``metric`` (one line, e.g. 'AP50: VOC area, IoU 0.5; mAP: COCO, IoU
        0.50:0.95'), ``iou`` (of AP50), ``eval_mode`` (VOC's, None without a VOC metric) and
        ``evaluators`` (their types).
    """
    parts, iou, eval_mode = [], None, None
    kinds = [_kind(m)[0] for m in metrics]
    for metric, kind in zip(metrics, kinds):
        if kind == 'voc':
            thrs = [float(t) for t in metric.iou_thrs]
            eval_mode = metric.eval_mode
            iou = 0.5 if 0.5 in thrs else thrs[0]
            parts.append(f"AP50: VOC {eval_mode}, IoU {', '.join(str(t) for t in thrs)}")
        elif kind == 'coco':
            if 'voc' not in kinds:
                parts.append('AP50: COCO 101-point, IoU 0.5')
                iou = 0.5
            parts.append('mAP: COCO, IoU 0.50:0.95')
        elif kind == 'confident':
            parts.append(f'{metric.counts}: detections with score >= {metric.score_thr}')
    return dict(metric='; '.join(parts) or 'none', iou=iou, eval_mode=eval_mode,
                evaluators=[type(m).__name__ for m in metrics])


def per_class(metrics: Dict[str, Any], prefix: str = PER_CLASS_AP50) -> Dict[str, float]:
    """``{class: value}`` of the per-class metrics under ``prefix``, NaN classes included.

    Args:
        metrics (dict): Canonical metrics of a cell.
        prefix (str): Defaults to ``'AP50/'``.

    Returns:
        dict[str, float]: Class name -> value.
    """
    return {k[len(prefix):]: (math.nan if v is None else v) for k, v in metrics.items()
            if k.startswith(prefix)}
