"""Evaluate one benchmark cell: enhancer -> frozen detector -> AP (+ quality metrics)."""
import contextlib
import copy
import io
import os.path as osp
import platform
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner
from tqdm import tqdm

from sdag_bench.utils.checkpoint import CheckpointError, extract_state_dict, load_checkpoint_file
from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.metrics.canonical import canonical_metrics, metric_protocol
from sdag_bench.metrics.cost import enhancer_cost, prefixed
from sdag_bench.models.data_preprocessors.enhanced_det_data_preprocessor import NONFINITE_KEY
from sdag_bench.registry import METRICS, MODELS
from .cells import CellSpec, file_sha256, load_config
from .detector_input import DetectorTestTransforms, describe_step, to_uint8_images
from .finetuned import fine_tuned_behind
from .precomputed import PrecomputedOutputs, empty_predictions
from .predictions import PredictionCollector
from .dataset_options import load_dataset_config
from .nonfinite import NonFiniteOutputCounter

_ENHANCER_PREFIX = 'data_preprocessor.enhancer.'
#: Enhancer cost is a property of the enhancer alone: measured once per process and enhancer.
_COST_CACHE: Dict[tuple, Dict[str, Any]] = {}


def measure_enhancer_cost(cell: CellSpec, enhancer: torch.nn.Module,
                          cost_cfg: Optional[dict]) -> Dict[str, Any]:
    """Parameters, FLOPs and ms per image of the enhancer (``cost/...`` keys), cached."""
    if cost_cfg is None:
        return {}
    cfg = dict(input_size=(384, 512), warmup=1, repeats=3)
    cfg.update(cost_cfg)
    key = (cell.enhancer.config, cell.enhancer.checkpoint, repr(sorted(cfg.items())))
    if key not in _COST_CACHE:
        cost = enhancer_cost(enhancer, input_size=tuple(cfg['input_size']),
                             warmup=cfg['warmup'], repeats=cfg['repeats'])
        _COST_CACHE[key] = prefixed(cost)
    return dict(_COST_CACHE[key])


def _inner_detector_cfg(model_cfg: ConfigDict) -> ConfigDict:
    """The config of the detector that owns the data preprocessor (a wrapper's ``detector``,
    e.g. ``LabelMappedDetector``'s, or the model itself)."""
    inner = model_cfg.get('detector')
    return _inner_detector_cfg(inner) if isinstance(inner, dict) else model_cfg


def inner_detector(model: torch.nn.Module) -> torch.nn.Module:
    """The module that owns the data preprocessor and the weights (unwraps ``.detector``)."""
    inner = getattr(model, 'detector', None)
    return inner_detector(inner) if isinstance(inner, torch.nn.Module) else model


def build_frozen_detector(config: str, checkpoint: Optional[str],
                          device: str = 'cpu') -> torch.nn.Module:
    """Build the ``model`` of a detector config with an ``EnhancedDetDataPreprocessor``.

    The detector's own preprocessing arguments (mean, std, bgr_to_rgb, padding) are kept; only
    the type is swapped, so any mmdet detector using ``DetDataPreprocessor`` takes an enhancer.
    A wrapper (``model.detector``, e.g. ``LabelMappedDetector``) is unwrapped for both: the
    inner detector's preprocessor is swapped and the checkpoint is the inner detector's.

    Args:
        config (str): Config file whose ``model`` is an mmdet detector (or wraps one).
        checkpoint (str, optional): Plain state dict (loaded with ``weights_only=True``,
            strictly; a detector with a ``convert_checkpoint`` key map gets it applied first,
            so official weights load too). None keeps random weights (tests only).
        device (str): Device. Defaults to 'cpu'.

    Returns:
        nn.Module: The detector in eval mode with no gradients; its enhancer slot is
        ``inner_detector(model).data_preprocessor``.
    """
    model_cfg = load_config(config).model
    detector_cfg = _inner_detector_cfg(model_cfg)
    preprocessor = detector_cfg.get('data_preprocessor') or ConfigDict(type='DetDataPreprocessor')
    if preprocessor['type'].split('.')[-1] not in ('DetDataPreprocessor',
                                                   'EnhancedDetDataPreprocessor'):
        raise ValueError(f'{config}: the detector uses {preprocessor["type"]}; the benchmark '
                         'can put an enhancer only in front of DetDataPreprocessor')
    # scoped name: the detector class is mmdet's, so nested builds happen in mmdet's scope
    preprocessor['type'] = 'sdag_bench.EnhancedDetDataPreprocessor'
    detector_cfg['data_preprocessor'] = preprocessor
    model_cfg.setdefault('_scope_', 'sdag_bench')
    model = MODELS.build(model_cfg)
    if checkpoint:
        detector = inner_detector(model)
        state = extract_state_dict(load_checkpoint_file(checkpoint), checkpoint)
        if hasattr(detector, 'convert_checkpoint'):
            state = detector.convert_checkpoint(state)
        own = {k for k in detector.state_dict() if not k.startswith(_ENHANCER_PREFIX)}
        missing, unexpected = sorted(own - set(state)), sorted(set(state) - own)
        if missing or unexpected:
            raise CheckpointError(
                f'checkpoint {checkpoint} does not fit the detector of {config}: '
                f'missing keys {missing[:8]}, unexpected keys {unexpected[:8]}')
        detector.load_state_dict(state, strict=False)
    return model.to(device).eval().requires_grad_(False)


def build_test_dataloader(dataset_config: str, overrides: Optional[Dict[str, Any]] = None,
                          batch_size: Optional[int] = None, seed: int = 0,
                          cfg_options: Optional[Dict[str, Any]] = None):
    """Build the ``test_dataloader`` of a dataset config (distributed-aware); ``cfg_options``
    are the cell's dotted-key overrides of the config (``DatasetSpec.cfg_options``)."""
    cfg = load_dataset_config(dataset_config, cfg_options)
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    if overrides:
        loader_cfg['dataset'] = Config(loader_cfg['dataset'])
        loader_cfg['dataset'].merge_from_dict(overrides)
        loader_cfg['dataset'] = dict(loader_cfg['dataset'].to_dict())
    if batch_size:
        loader_cfg['batch_size'] = batch_size
    loader_cfg['dataset'].setdefault('_scope_', 'sdag_bench')
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints while indexing
        dataloader = Runner.build_dataloader(loader_cfg, seed=seed)
    return dataloader, cfg


def _versions() -> Dict[str, str]:
    import mmcv
    import mmdet
    import mmengine

    import sdag_bench
    return dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                mmengine=mmengine.__version__, sdag_bench=sdag_bench.__version__,
                python=platform.python_version())


def evaluate_cell(cell: CellSpec,
                  device: str = 'cpu',
                  batch_size: Optional[int] = None,
                  extra_metrics: Optional[List[dict]] = None,
                  cost_cfg: Optional[dict] = None,
                  seed: int = 0,
                  progress: bool = True,
                  enhance_batch_size: Optional[int] = None) -> Dict[str, Any]:
    """Run one cell and return its result record (not yet stored).

    Args:
        cell (CellSpec): What to evaluate.
        device (str): 'cpu' or 'cuda'. Defaults to 'cpu'.
        batch_size (int, optional): Overrides the dataset config's batch size.
        extra_metrics (list[dict], optional): More metric configs (e.g. image quality) fed
            with the same outputs as the dataset's own evaluator.
        cost_cfg (dict, optional): ``input_size``, ``warmup``, ``repeats`` of the enhancer's
            cost measurement; None skips it.
        seed (int): Seed of the data loader. Defaults to 0.
        progress (bool): Show a progress bar on the main process. Defaults to True.
        enhance_batch_size (int, optional): Images per enhancer call (see
            ``EnhancedDetDataPreprocessor``). Defaults to None (its default).

    Returns:
        dict: ``metrics`` (canonical names, see :mod:`sdag_bench.metrics.canonical`),
        ``raw_metrics`` (the evaluators' own keys), ``protocol`` (see :func:`cell_protocol`),
        ``num_images``, ``nonfinite_images`` (enhanced images with NaN/Inf),
        ``nonfinite_predictions`` (images with NaN/Inf detector outputs: such a cell's AP is
        not a detector that found nothing), ``skipped_images``, ``wall_time_s``,
        ``versions``, ``device``, ``seed``, ``split`` and the cell description.
    """
    return evaluate_cells([cell], device, batch_size, extra_metrics, cost_cfg, seed,
                          progress, enhance_batch_size)[0]


def shares_enhancement(a: CellSpec, b: CellSpec) -> bool:
    """Whether two cells see the same enhanced images (same enhancer row, dataset and split)."""
    return a.enhancer == b.enhancer and a.dataset == b.dataset


def _is_image_only(metric_cfg: dict) -> bool:
    """Metrics that score only the enhanced images (class attribute ``image_only``)."""
    metric_cls = METRICS.get(metric_cfg['type']) if isinstance(metric_cfg['type'], str) \
        else metric_cfg['type']
    return bool(getattr(metric_cls, 'image_only', False))


def evaluate_cells(cells: Sequence[CellSpec],
                   device: str = 'cpu',
                   batch_size: Optional[int] = None,
                   extra_metrics: Optional[List[dict]] = None,
                   cost_cfg: Optional[dict] = None,
                   seed: int = 0,
                   progress: bool = True,
                   enhance_batch_size: Optional[int] = None) -> List[Dict[str, Any]]:
    """Run cells that share one enhancer and one dataset in a single pass (enhance once).

    Each batch is loaded (at the size the dataset pipeline gives: native unless it resizes) and
    enhanced once; the enhanced image is rounded to 8 bits, as a PNG would hold it. Every
    detector then applies its own config's test-time transforms (resize, pad) and data
    preprocessor (normalisation, padding) to these uint8 images, in test mode, and its boxes are
    mapped back to the original image (:func:`run_detector`): what mmdet's ``tools/test.py``
    gives with that detector's config on the enhanced images saved as PNGs. Metrics that only
    look at the enhanced images (``image_only``, e.g. ``ImageQualityMetric``) see them at the
    enhanced size, are computed once and reported in every cell. The numbers are those of
    :func:`evaluate_cell` run per cell.

    Args:
        cells (Sequence[CellSpec]): Cells with equal enhancer and dataset (see
            :func:`shares_enhancement`); one per detector.
        device, batch_size, extra_metrics, cost_cfg, seed, progress, enhance_batch_size: As
            in :func:`evaluate_cell`.

    Returns:
        list[dict]: One record per cell, in order; ``wall_time_s`` is the shared pass's.
    """
    if not cells or any(not shares_enhancement(cells[0], c) for c in cells[1:]):
        raise ValueError('evaluate_cells needs cells with one enhancer and one dataset')
    first = cells[0]
    start = time.perf_counter()
    torch.manual_seed(seed)
    dataloader, data_cfg = build_test_dataloader(first.dataset.config,
                                                 first.enhancer.dataset_overrides, batch_size,
                                                 seed, first.dataset.cfg_options)
    metric_cfgs = data_cfg.test_evaluator
    metric_cfgs = list(metric_cfgs) if isinstance(metric_cfgs, (list, tuple)) else [metric_cfgs]
    extra_metrics = list(extra_metrics or [])
    image_metric_cfgs = [m for m in extra_metrics if _is_image_only(m)]
    detector_metric_cfgs = metric_cfgs + [m for m in extra_metrics if not _is_image_only(m)]
    with contextlib.redirect_stdout(io.StringIO()):  # CocoMetric's pycocotools prints
        image_evaluator = Evaluator(copy.deepcopy(image_metric_cfgs)) \
            if image_metric_cfgs else None
        evaluators = [Evaluator(copy.deepcopy(detector_metric_cfgs)) for _ in cells]
    collectors = [PredictionCollector() for _ in cells]  # per-image predictions of each cell
    for evaluator in evaluators + ([image_evaluator] if image_evaluator else []):
        evaluator.dataset_meta = dataloader.dataset.metainfo

    detectors = [
        build_frozen_detector(c.detector.config, c.detector.checkpoint, device) for c in cells
    ]
    transforms = [DetectorTestTransforms(c.detector.config) for c in cells]
    # images with NaN/Inf head outputs or boxes (NaN scores fail the score threshold: no box)
    watchers = [NonFiniteOutputCounter(d) for d in detectors]
    enhancer = build_enhancer_from_config(first.enhancer.config, first.enhancer.checkpoint,
                                          device)
    # a folder of enhanced images (PrecomputedEnhancer): its files replace the outputs
    outputs_folder = PrecomputedOutputs.of(enhancer)
    # the first detector's preprocessor enhances (with its channel order) and rounds to 8 bits,
    # as saving to PNG would; every detector then takes the same uint8 images
    enhancing = inner_detector(detectors[0]).data_preprocessor
    enhancing.set_enhancer(enhancer)
    enhancing.quantize = True
    enhancing.keep_enhanced = True
    if enhance_batch_size is not None:
        enhancing.enhance_batch_size = enhance_batch_size
    nonfinite_images = 0
    resized_for_enhancement = 0
    bar = tqdm(total=len(dataloader.dataset), desc=first.name, unit='img', leave=False,
               disable=not (progress and is_main_process()))
    with torch.inference_mode():
        for data_batch in dataloader:
            data = enhancing.cast_data(data_batch)
            samples = data['data_samples']
            enhanced = to_uint8_images(enhancing.enhance_inputs(data['inputs'], samples))
            failed = outputs_folder.substitute(enhanced, samples, enhancing.input_channel_order) \
                if outputs_folder else []
            nonfinite_images += sum(1 for s in samples if s.metainfo.get(NONFINITE_KEY, 0) > 0)
            resized_for_enhancement += sum(1 for s in samples if _resized_when_loaded(s))
            if image_evaluator:
                image_evaluator.process(data_samples=samples, data_batch=data_batch)
                for collector in collectors:
                    collector.add_quality_from(image_evaluator, samples)
            for detector, own_transforms, evaluator, collector, watcher in zip(
                    detectors, transforms, evaluators, collectors, watchers):
                outputs = run_detector(detector, own_transforms, enhanced, samples)
                watcher.update(outputs)
                empty_predictions(outputs, failed)  # no usable output: nothing found
                evaluator.process(data_samples=outputs, data_batch=data_batch)
                collector.add(outputs)
            bar.update(len(samples) * get_world_size())
    bar.close()
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        image_metrics = image_evaluator.evaluate(len(dataloader.dataset)) \
            if image_evaluator else {}
        all_metrics = [e.evaluate(len(dataloader.dataset)) for e in evaluators]
    nonfinite_images = _sum_across_ranks(nonfinite_images)
    nonfinite_predictions = [_sum_across_ranks(w.count) for w in watchers]
    resized_for_enhancement = _sum_across_ranks(resized_for_enhancement)
    cost = {} if outputs_folder else measure_enhancer_cost(first, enhancer, cost_cfg)
    wall_time = round(time.perf_counter() - start, 3)
    dataset = dataloader.dataset
    records = []
    for cell, metrics, evaluator, own_transforms in zip(cells, all_metrics, evaluators,
                                                         transforms):
        raw = dict(metrics, **image_metrics, **cost)
        used = list(evaluator.metrics) + (list(image_evaluator.metrics)
                                          if image_evaluator else [])
        canonical, uncanonical = canonical_metrics(raw, used)
        protocol = cell_protocol(cell, dataset, data_cfg, own_transforms, evaluator.metrics,
                                 resized_for_enhancement)
        if uncanonical:
            protocol['uncanonical_metrics'] = uncanonical
        records.append(dict(
            cell=cell.describe(),
            metrics={k: _plain(v) for k, v in canonical.items()},
            raw_metrics={k: _plain(v) for k, v in raw.items()},
            protocol=protocol,
            num_images=len(dataset),
            nonfinite_images=nonfinite_images,
            skipped_images=skipped_image_count(dataset),
            wall_time_s=wall_time,
            shared_pass=[c.detector.name for c in cells],
            versions=_versions(),
            device=str(device),
            world_size=get_world_size(),
            seed=seed,
            split=cell.dataset.split,
        ))
    if outputs_folder:
        summary = outputs_folder.summary(_sum_across_ranks)
        for record in records:
            record['precomputed'] = summary
    for record, count in zip(records, nonfinite_predictions):
        record['nonfinite_predictions'] = count
    for record, collector in zip(records, collectors):
        record['predictions'] = collector.gather().arrays()  # stored by run_cells
    return records


def run_detector(detector: torch.nn.Module, transforms: DetectorTestTransforms,
                 images: List[np.ndarray], samples: list) -> list:
    """One detector's predictions on the shared enhanced images, by its own test protocol.

    The uint8 enhanced images go through the detector's own test-time transforms
    (:class:`DetectorTestTransforms`), then ``test_step``: its preprocessor only normalises and
    pads them (its own enhancer, if any, is bypassed) and boxes come back in original image
    coordinates. The loader's samples are not modified (each detector gets copies).

    Args:
        detector (nn.Module): From :func:`build_frozen_detector`.
        transforms (DetectorTestTransforms): The detector config's test-time transforms.
        images (list[np.ndarray]): Enhanced uint8 images, H x W x C, loading channel order.
        samples (list[DetDataSample]): The loader's samples of these images.

    Returns:
        list[DetDataSample]: Samples with ``pred_instances`` (and the loader's ground truth).
    """
    inputs, own = transforms(images, samples)
    preprocessor = inner_detector(detector).data_preprocessor
    own_enhancer, preprocessor.enhancer = preprocessor.enhancer, None
    try:
        return detector.test_step(dict(inputs=inputs, data_samples=own))
    finally:
        preprocessor.enhancer = own_enhancer


def _resized_when_loaded(sample) -> bool:
    """Whether the dataset pipeline changed the image size before enhancement."""
    meta = sample.metainfo
    ori, shape = meta.get('ori_shape'), meta.get('img_shape')
    return ori is not None and shape is not None and tuple(ori[:2]) != tuple(shape[:2])


def skipped_image_count(dataset) -> int:
    """Images the dataset dropped as unreadable (``CheckedCocoDataset.bad_images``)."""
    bad = getattr(dataset, 'bad_images', None)
    return int(getattr(bad, 'count', 0) or 0)


def detector_weights(config: str) -> str:
    """'frozen' (trained elsewhere, used as is: the default) or 'fine-tuned' (trained on the
    target data by the user), from the detector config's ``detector_weights`` key."""
    value = load_config(config).get('detector_weights', 'frozen')
    if value not in ('frozen', 'fine-tuned'):
        raise ValueError(f"{config}: detector_weights must be 'frozen' or 'fine-tuned', "
                         f'got {value!r}')
    return value


def cell_protocol(cell: CellSpec, dataset, data_cfg, transforms: DetectorTestTransforms,
                  metrics: Sequence, resized_for_enhancement: int) -> Dict[str, Any]:
    """What a cell's numbers follow, stored with it and shown in the leaderboard header.

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


def _plain(value: Any) -> Any:
    """A JSON-storable scalar from tensors and numpy scalars."""
    return value.item() if hasattr(value, 'item') else value


def _sum_across_ranks(value: int) -> int:
    if get_world_size() == 1:
        return value
    tensor = torch.tensor(value)
    all_reduce(tensor, op='sum')
    return int(tensor.item())


__all__ = [
    'evaluate_cell', 'evaluate_cells', 'shares_enhancement', 'build_frozen_detector',
    'build_test_dataloader', 'inner_detector', 'run_detector', 'cell_protocol'
]
