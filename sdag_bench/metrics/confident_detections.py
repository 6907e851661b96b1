"""``ConfidentDetectionCount``: how many confident detections a frozen detector makes.

For unlabelled photos (e.g. the DARK FACE photos without face labels) the only checkable
number is what the detector dares to report: confident detections per image, before and after
an enhancer. More is not proof of better (false positives count too), so the benchmark shows
it beside the photos it came from.

What one detection is names the canonical metrics (``counts``): ``faces`` for a face detector
(``faces``, ``faces_per_image``, ``images_with_faces``), ``detections`` for any other
(``detections``, ``detections_per_image``, ``images_with_detections``).
"""
from typing import Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric

from sdag_bench.registry import METRICS

from .metric_info import counted_names


@METRICS.register_module()
class ConfidentDetectionCount(BaseMetric):
    """Count predictions with ``score >= score_thr``.

    Args:
        score_thr (float): Confidence threshold. Defaults to 0.5.
        labels (Sequence[int], optional): Count only these labels. Defaults to all.
        counts (str): What a detection is, one of ``metric_info.COUNTED`` ('faces' for a face
            detector); it names the canonical metrics. Defaults to 'detections'.
        prefix (str): Metric prefix of the raw keys. Defaults to 'confident'.
        collect_device (str): Where results are gathered. Defaults to 'cpu'.

    Returns (of :meth:`compute_metrics`):
        ``count`` (total over images), ``per_image`` (mean), ``images_with_detection``.
    """

    def __init__(self, score_thr: float = 0.5, labels: Optional[Sequence[int]] = None,
                 counts: str = 'detections', prefix: str = 'confident',
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        counted_names(counts)  # a one-line error for an unknown kind
        self.counts = counts
        self.score_thr = float(score_thr)
        self.labels = None if labels is None else set(int(label) for label in labels)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Count the confident predictions of every sample of the batch."""
        for sample in data_samples:
            pred = sample['pred_instances']
            keep = pred['scores'] >= self.score_thr
            if self.labels is not None:
                labels = pred['labels'].tolist()
                keep = keep & keep.new_tensor([label in self.labels for label in labels])
            self.results.append(int(keep.sum()))

    def compute_metrics(self, results: List[int]) -> Dict[str, float]:
        """Totals over all images.

        Args:
            results (list[int]): Confident detections per image.

        Returns:
            dict[str, float]: ``count``, ``per_image``, ``images_with_detection``.
        """
        total = sum(results)
        return dict(count=float(total), per_image=total / max(len(results), 1),
                    images_with_detection=float(sum(1 for n in results if n > 0)))
