"""Evaluate one benchmark cell: enhancer -> frozen detector -> AP (+ quality metrics)."""
import contextlib
import copy
import io
import platform
import time
from typing import Any, Dict, List, Optional

import torch
from mmengine.config import Config, ConfigDict
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner
from tqdm import tqdm

from sdag_bench.checkpoint import CheckpointError, extract_state_dict, load_checkpoint_file
from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.metrics.cost import enhancer_cost, prefixed
from sdag_bench.preprocessors.enhanced_det_data_preprocessor import NONFINITE_KEY
from sdag_bench.registry import MODELS
from .cells import CellSpec

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
    model_cfg = copy.deepcopy(Config.fromfile(config).model)
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
                          batch_size: Optional[int] = None, seed: int = 0):
    """Build the ``test_dataloader`` of a dataset config (distributed-aware)."""
    cfg = Config.fromfile(dataset_config)
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
                  progress: bool = True) -> Dict[str, Any]:
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

    Returns:
        dict: ``metrics`` (flat name -> float), ``num_images``, ``nonfinite_images``,
        ``wall_time_s``, ``versions``, ``device``, ``seed``, ``split`` and the cell description.
    """
    start = time.perf_counter()
    torch.manual_seed(seed)
    dataloader, data_cfg = build_test_dataloader(cell.dataset.config,
                                                 cell.enhancer.dataset_overrides, batch_size,
                                                 seed)
    metric_cfgs = data_cfg.test_evaluator
    metric_cfgs = list(metric_cfgs) if isinstance(metric_cfgs, (list, tuple)) else [metric_cfgs]
    evaluator = Evaluator(copy.deepcopy(metric_cfgs) + list(extra_metrics or []))
    evaluator.dataset_meta = dataloader.dataset.metainfo

    detector = build_frozen_detector(cell.detector.config, cell.detector.checkpoint, device)
    enhancer = build_enhancer_from_config(cell.enhancer.config, cell.enhancer.checkpoint, device)
    inner_detector(detector).data_preprocessor.set_enhancer(enhancer)

    nonfinite_images = 0
    bar = tqdm(total=len(dataloader.dataset), desc=cell.name, unit='img', leave=False,
               disable=not (progress and is_main_process()))
    with torch.inference_mode():
        for data_batch in dataloader:
            outputs = detector.test_step(data_batch)
            nonfinite_images += sum(
                1 for sample in outputs if sample.metainfo.get(NONFINITE_KEY, 0) > 0)
            evaluator.process(data_samples=outputs, data_batch=data_batch)
            bar.update(len(outputs) * get_world_size())
    bar.close()
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        metrics = evaluator.evaluate(len(dataloader.dataset))
    nonfinite_images = _sum_across_ranks(nonfinite_images)
    metrics.update(measure_enhancer_cost(cell, enhancer, cost_cfg))
    return dict(
        cell=cell.describe(),
        metrics={k: _plain(v) for k, v in metrics.items()},
        num_images=len(dataloader.dataset),
        nonfinite_images=nonfinite_images,
        skipped_images=int(getattr(dataloader.dataset, 'num_skipped', 0)),
        wall_time_s=round(time.perf_counter() - start, 3),
        versions=_versions(),
        device=str(device),
        world_size=get_world_size(),
        seed=seed,
        split=cell.dataset.split,
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


__all__ = ['evaluate_cell', 'build_frozen_detector', 'build_test_dataloader', 'inner_detector']
