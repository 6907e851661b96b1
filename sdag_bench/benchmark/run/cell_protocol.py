"""What a cell's numbers follow (stored with the cell, shown in the leaderboard header)."""
import os.path as osp
from typing import Any, Dict, Sequence

from sdag_bench.metrics.canonical import metric_protocol
from ..cells import CellSpec, file_sha256
from .detector_transforms import DetectorTestTransforms, describe_step
from ..plan.finetuned_rows import fine_tuned_behind
from .frozen_detector import detector_weights


def cell_protocol(cell: CellSpec, dataset, data_cfg, transforms: DetectorTestTransforms,
                  metrics: Sequence, resized_for_enhancement: int) -> Dict[str, Any]:
    """What a cell's numbers follow, stored with it and shown in the leaderboard header.

    Args:
        cell (CellSpec): The cell.
        dataset (BaseDataset): Its test set, as loaded.
        data_cfg (Config): The dataset config the loader was built from.
        transforms (DetectorTestTransforms): The detector's own test-time transforms.
        metrics (Sequence[BaseMetric]): The metrics of the cell's evaluator.
        resized_for_enhancement (int): Images the dataset pipeline resized before enhancement.

    Returns:
        dict: ``enhanced_at`` ('native', or how many images the dataset pipeline resized
        first), ``dataset_pipeline``, ``enhanced_image`` (8-bit), ``detector_input`` (its own
        test-time transforms) and ``detector_input_size``, ``detector_weights``, ``metric``,
        ``iou``, ``eval_mode``, ``evaluators``, ``split``, ``ann_file`` and ``ann_sha256``.
    """
    loading = [s for s in data_cfg.test_dataloader.dataset.pipeline
               if not str(s['type']).split('.')[-1].startswith(('Load', 'Pack'))]
    if resized_for_enhancement:
        enhanced_at = (f'resized by the dataset pipeline first: {resized_for_enhancement} of '
                       f'{len(dataset)} images')
    else:
        enhanced_at = 'native'
    ann_file = getattr(dataset, 'ann_file', None) or None
    return dict(
        enhanced_at=enhanced_at,
        dataset_pipeline=' + '.join(describe_step(s) for s in loading) or 'load only',
        enhanced_image='uint8 (rounded to 8 bits, as saved to PNG)',
        detector_input=transforms.describe(),
        detector_input_size=transforms.input_size(),
        detector_weights=detector_weights(cell.detector.config),
        # the enhancer the detector was fine-tuned behind (its checkpoint's record), if any
        fine_tuned_behind=fine_tuned_behind(cell.detector.checkpoint),
        **metric_protocol(metrics),
        split=cell.dataset.split,
        ann_file=ann_file,
        ann_sha256=file_sha256(ann_file) if ann_file and osp.isfile(ann_file) else None,
    )


def skipped_image_count(dataset) -> int:
    """Images the dataset dropped as unreadable (``CheckedCocoDataset.bad_images``)."""
    bad = getattr(dataset, 'bad_images', None)
    return int(getattr(bad, 'count', 0) or 0)


__all__ = ['cell_protocol', 'skipped_image_count']
