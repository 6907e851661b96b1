"""Evaluate benchmark cells: enhancer -> frozen detectors -> AP (+ quality metrics, cost)."""
import contextlib
import copy
import io
import platform
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.evaluator import Evaluator

from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.metrics.canonical import canonical_metrics
from sdag_bench.registry import METRICS
from .cell_protocol import cell_protocol, skipped_image_count
from ..cells import CellSpec
from .test_dataloader import build_test_dataloader
from .detector_transforms import DetectorTestTransforms
from .enhancer_cost import measure_enhancer_cost
from .frozen_detector import build_frozen_detector
from .nonfinite import NonFiniteOutputCounter
from ..options import EvaluationOptions
from .enhanced_folder import PrecomputedOutputs
from ..store.predictions import PredictionCollector
from .single_pass import DetectorPass, PassCounts, enhancing_preprocessor, run_single_pass


def evaluate_cell(cell: CellSpec,
                  options: Optional[EvaluationOptions] = None) -> Dict[str, Any]:
    """Run one cell and return its result record (not yet stored).

    Args:
        cell (CellSpec): What to evaluate.
        options (EvaluationOptions, optional): Device, batch size, extra metrics, cost, seed,
            progress, enhancer batch size. Defaults to None (``EvaluationOptions()``).

    Returns:
        dict: ``metrics`` (canonical names, see :mod:`sdag_bench.metrics.canonical`),
        ``raw_metrics`` (the evaluators' own keys), ``protocol`` (see :func:`cell_protocol`),
        ``num_images``, ``nonfinite_images`` (enhanced images with NaN/Inf),
        ``nonfinite_predictions`` (images with NaN/Inf detector outputs: such a cell's AP is
        not a detector that found nothing), ``skipped_images``, ``wall_time_s``,
        ``versions``, ``device``, ``seed``, ``split`` and the cell description.
    """
    return evaluate_cells([cell], options)[0]


def shares_enhancement(a: CellSpec, b: CellSpec) -> bool:
    """Whether two cells see the same enhanced images (same enhancer row, dataset and split)."""
    return a.enhancer == b.enhancer and a.dataset == b.dataset


def evaluate_cells(cells: Sequence[CellSpec],
                   options: Optional[EvaluationOptions] = None) -> List[Dict[str, Any]]:
    """Run cells that share one enhancer and one dataset in a single pass (enhance once).

    Each batch is loaded (at the size the dataset pipeline gives: native unless it resizes) and
    enhanced once; the enhanced image is rounded to 8 bits, as a PNG would hold it. Every
    detector then applies its own config's test-time transforms (resize, pad) and data
    preprocessor (normalisation, padding) to these uint8 images, in test mode, and its boxes are
    mapped back to the original image (:func:`.frozen_detector.run_detector`): what mmdet's
    ``tools/test.py`` gives with that detector's config on the enhanced images saved as PNGs.
    Metrics that only look at the enhanced images (``image_only``, e.g. ``ImageQualityMetric``)
    see them at the enhanced size, are computed once and reported in every cell. The numbers are
    those of :func:`evaluate_cell` run per cell.

    Args:
        cells (Sequence[CellSpec]): Cells with equal enhancer and dataset (see
            :func:`shares_enhancement`); one per detector.
        options (EvaluationOptions, optional): As in :func:`evaluate_cell`.

    Returns:
        list[dict]: One record per cell, in order; ``wall_time_s`` is the shared pass's.
    """
    if not cells or any(not shares_enhancement(cells[0], c) for c in cells[1:]):
        raise ValueError('evaluate_cells needs cells with one enhancer and one dataset')
    options = options or EvaluationOptions()
    first = cells[0]
    start = time.perf_counter()
    torch.manual_seed(options.seed)
    dataloader, data_cfg = build_test_dataloader(first.dataset.config,
                                                 first.enhancer.dataset_overrides,
                                                 options.batch_size, options.seed,
                                                 first.dataset.cfg_options)
    image_evaluator, evaluators = _build_evaluators(data_cfg, options.extra_metrics,
                                                    len(cells), dataloader.dataset.metainfo)
    collectors = [PredictionCollector() for _ in cells]  # per-image predictions of each cell
    detectors = [build_frozen_detector(c.detector.config, c.detector.checkpoint, options.device)
                 for c in cells]
    transforms = [DetectorTestTransforms(c.detector.config) for c in cells]
    # images with NaN/Inf head outputs or boxes (NaN scores fail the score threshold: no box)
    watchers = [NonFiniteOutputCounter(d) for d in detectors]
    passes = [DetectorPass(*lane) for lane in zip(detectors, transforms, evaluators, collectors,
                                                  watchers)]
    enhancer = build_enhancer_from_config(first.enhancer.config, first.enhancer.checkpoint,
                                          options.device)
    # a folder of enhanced images (PrecomputedEnhancer): its files replace the outputs
    outputs_folder = PrecomputedOutputs.of(enhancer)
    enhancing = enhancing_preprocessor(detectors[0], enhancer, options.enhance_batch_size)
    counts = run_single_pass(dataloader, enhancing, passes, image_evaluator, outputs_folder,
                             desc=first.name, progress=options.progress)
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        image_metrics = image_evaluator.evaluate(len(dataloader.dataset)) \
            if image_evaluator else {}
        all_metrics = [e.evaluate(len(dataloader.dataset)) for e in evaluators]
    nonfinite_images = _sum_across_ranks(counts.nonfinite_images)
    nonfinite_predictions = [_sum_across_ranks(one.watcher.count) for one in passes]
    counts = PassCounts(nonfinite_images, _sum_across_ranks(counts.resized_for_enhancement))
    cost = {} if outputs_folder else measure_enhancer_cost(first, enhancer, options.cost_cfg)
    wall_time = round(time.perf_counter() - start, 3)
    records = []
    for cell, metrics, one in zip(cells, all_metrics, passes):
        raw = dict(metrics, **image_metrics, **cost)
        used = list(one.evaluator.metrics) + (list(image_evaluator.metrics)
                                              if image_evaluator else [])
        canonical, uncanonical = canonical_metrics(raw, used)
        protocol = cell_protocol(cell, dataloader.dataset, data_cfg, one.transforms,
                                 one.evaluator.metrics, counts.resized_for_enhancement)
        if uncanonical:
            protocol['uncanonical_metrics'] = uncanonical
        records.append(_record(cell, canonical, raw, protocol, dataloader.dataset, counts,
                               wall_time, [c.detector.name for c in cells], options))
    if outputs_folder:
        summary = outputs_folder.summary(_sum_across_ranks)
        for record in records:
            record['precomputed'] = summary
    for record, count in zip(records, nonfinite_predictions):
        record['nonfinite_predictions'] = count
    for record, one in zip(records, passes):
        record['predictions'] = one.collector.gather().arrays()  # stored by run_cells
    return records


def _is_image_only(metric_cfg: dict) -> bool:
    """Metrics that score only the enhanced images (class attribute ``image_only``)."""
    metric_cls = METRICS.get(metric_cfg['type']) if isinstance(metric_cfg['type'], str) \
        else metric_cfg['type']
    return bool(getattr(metric_cls, 'image_only', False))


def _build_evaluators(data_cfg, extra_metrics: Sequence[dict], count: int,
                      dataset_meta: dict) -> Tuple[Optional[Evaluator], List[Evaluator]]:
    """The evaluator of the enhanced images (image-only metrics; None without them) and one
    evaluator per detector (the dataset's ``test_evaluator`` and the other extra metrics)."""
    metric_cfgs = data_cfg.test_evaluator
    metric_cfgs = list(metric_cfgs) if isinstance(metric_cfgs, (list, tuple)) else [metric_cfgs]
    extra_metrics = list(extra_metrics or [])
    image_metric_cfgs = [m for m in extra_metrics if _is_image_only(m)]
    detector_metric_cfgs = metric_cfgs + [m for m in extra_metrics if not _is_image_only(m)]
    with contextlib.redirect_stdout(io.StringIO()):  # CocoMetric's pycocotools prints
        image_evaluator = Evaluator(copy.deepcopy(image_metric_cfgs)) \
            if image_metric_cfgs else None
        evaluators = [Evaluator(copy.deepcopy(detector_metric_cfgs)) for _ in range(count)]
    for evaluator in evaluators + ([image_evaluator] if image_evaluator else []):
        evaluator.dataset_meta = dataset_meta
    return image_evaluator, evaluators


def _record(cell: CellSpec, canonical: dict, raw: dict, protocol: dict, dataset,
            counts: PassCounts, wall_time: float, shared_pass: List[str],
            options: EvaluationOptions) -> Dict[str, Any]:
    """A cell's record (before its per-detector counts and predictions are added)."""
    return dict(
        cell=cell.describe(),
        metrics={k: _plain(v) for k, v in canonical.items()},
        raw_metrics={k: _plain(v) for k, v in raw.items()},
        protocol=protocol,
        num_images=len(dataset),
        nonfinite_images=counts.nonfinite_images,
        skipped_images=skipped_image_count(dataset),
        wall_time_s=wall_time,
        shared_pass=shared_pass,
        versions=_versions(),
        device=str(options.device),
        world_size=get_world_size(),
        seed=options.seed,
        split=cell.dataset.split,
    )


def _versions() -> Dict[str, str]:
    import mmcv
    import mmdet
    import mmengine

    import sdag_bench
    return dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                mmengine=mmengine.__version__, sdag_bench=sdag_bench.__version__,
                python=platform.python_version())


def _plain(value: Any) -> Any:
    """A JSON-storable scalar from tensors and numpy scalars."""
    return value.item() if hasattr(value, 'item') else value


def _sum_across_ranks(value: int) -> int:
    if get_world_size() == 1:
        return value
    tensor = torch.tensor(value)
    all_reduce(tensor, op='sum')
    return int(tensor.item())


__all__ = ['evaluate_cell', 'evaluate_cells', 'shares_enhancement']
