"""VOC-style AP with per-class values (the ExDark protocol: IoU 0.5, area mode)."""
from collections import OrderedDict

from mmdet.evaluation.functional import eval_map
from mmdet.evaluation.metrics import VOCMetric
from mmengine.logging import MMLogger

from sdag_bench.registry import METRICS


@METRICS.register_module()
class ClasswiseVOCMetric(VOCMetric):
    """mmdet's ``VOCMetric`` (mAP mode) that also reports each class's AP, unrounded.

    Keys: ``mAP`` (mean over IoU thresholds), ``AP50`` (per threshold) and ``AP50/<class>``.
    Classes without any ground truth in the evaluated set are reported as NaN and left out of
    the mean, as ``eval_map`` does.

    Args:
        **kwargs: Passed to :class:`mmdet.evaluation.VOCMetric` (``metric`` must be 'mAP').
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault('eval_mode', 'area')
        kwargs.setdefault('iou_thrs', [0.5])
        super().__init__(**kwargs)
        if self.metric != 'mAP':
            raise ValueError(f"ClasswiseVOCMetric computes 'mAP' only, got {self.metric!r}")

    def compute_metrics(self, results: list) -> dict:
        logger = MMLogger.get_current_instance()
        gts, preds = zip(*results)
        classes = self.dataset_meta['classes']
        metrics = OrderedDict()
        mean_aps = []
        for iou_thr in self.iou_thrs:
            mean_ap, per_class = eval_map(
                preds, gts, scale_ranges=self.scale_ranges, iou_thr=iou_thr,
                dataset=list(classes), logger='silent', eval_mode=self.eval_mode,
                use_legacy_coordinate=True)
            tag = f'AP{int(round(iou_thr * 100)):02d}'
            metrics[tag] = float(mean_ap)
            mean_aps.append(float(mean_ap))
            for name, result in zip(classes, per_class):
                ap = float(result['ap']) if result['num_gts'] > 0 else float('nan')
                metrics[f'{tag}/{name}'] = ap
        metrics['mAP'] = sum(mean_aps) / len(mean_aps)
        metrics.move_to_end('mAP', last=False)
        logger.debug(f'VOC AP: {dict(metrics)}')
        return metrics
