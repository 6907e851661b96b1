"""Build enhancers from configs and load their weights (what the benchmark calls)."""
import warnings
from pathlib import Path
from typing import List, Optional, Union

import torch
from mmengine.config import Config

from sdag_bench.registry import MODELS
from sdag_bench.utils.checkpoint import (extract_state_dict, load_checkpoint_file,
                                         load_state_dict_strict)
from sdag_bench.utils.paths import resolve_project_path
from .base import BaseEnhancer
from .training_consistency import training_enhancer_mismatch


def known_enhancer_types() -> List[str]:
    """Names of every registered :class:`BaseEnhancer` subclass, sorted."""
    return sorted(name for name, cls in MODELS.module_dict.items()
                  if isinstance(cls, type) and issubclass(cls, BaseEnhancer))


def build_enhancer(cfg: dict) -> BaseEnhancer:
    """Build an enhancer from its config dict (``dict(type='ZeroDCE', ...)``).

    Args:
        cfg (dict): Registered enhancer type and its arguments.

    Returns:
        BaseEnhancer: The enhancer (weights as initialised).

    Raises:
        KeyError: For an unknown type, listing the known enhancers.
    """
    cfg = dict(cfg)
    cfg.setdefault('_scope_', 'sdag_bench')
    if isinstance(cfg.get('type'), str) and MODELS.get(cfg['type']) is None:
        raise KeyError(f'unknown enhancer type {cfg["type"]!r}; known enhancers: '
                       f'{", ".join(known_enhancer_types())}')
    enhancer = MODELS.build(cfg)
    if not isinstance(enhancer, BaseEnhancer):
        raise TypeError(f'{cfg["type"]} builds a {type(enhancer).__name__}, not a BaseEnhancer')
    return enhancer


def load_enhancer_weights(enhancer: BaseEnhancer, path: str) -> BaseEnhancer:
    """Load a plain state dict into ``enhancer`` (safely, strictly).

    Accepts the enhancer's own state dict (e.g. from tools/convert_official.py) or a whole
    ``UnsupervisedEnhancerModel`` state dict exported from training (tools/export_state_dict.py),
    whose ``enhancer.*`` entries are used and the rest (losses, preprocessor) ignored.
    """
    path = resolve_project_path(path)
    state = extract_state_dict(load_checkpoint_file(path), path)
    prefix = 'enhancer.'
    if any(key.startswith(prefix) for key in state):
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    load_state_dict_strict(enhancer, state, path)
    return enhancer


def build_enhancer_from_config(path: Union[str, Path], checkpoint: Optional[str] = None,
                               device: str = 'cpu') -> BaseEnhancer:
    """Build the top-level ``enhancer`` of a config file, load weights, freeze it.

    Args:
        path (str | Path): Config file defining ``enhancer = dict(type=...)`` and optionally
            ``checkpoint`` (path of a plain state dict, see :func:`load_enhancer_weights`).
        checkpoint (str, optional): Overrides the config's ``checkpoint``; ``''`` means none.
            Defaults to None (use the config's).
        device (str): Where to put the enhancer. Defaults to 'cpu'.

    Returns:
        BaseEnhancer: In eval mode, with ``requires_grad=False`` on every parameter.

    Raises:
        KeyError: If the config has no ``enhancer``.
        ValueError: If the config's training ``model.enhancer`` differs from ``enhancer`` in
            a way the config does not declare (see :mod:`.training_consistency`).
        CheckpointError: If the checkpoint is missing, unsafe or does not fit.
    """
    cfg = Config.fromfile(str(path))
    if 'enhancer' not in cfg:
        raise KeyError(f'config {path} defines no top-level `enhancer = dict(type=...)`')
    mismatch = training_enhancer_mismatch(cfg)
    if mismatch:
        raise ValueError(mismatch)
    try:
        enhancer = build_enhancer(cfg.enhancer)
    except KeyError as err:
        raise KeyError(f'{path}: {err.args[0]}') from None
    checkpoint = checkpoint if checkpoint is not None else cfg.get('checkpoint')
    if checkpoint:
        load_enhancer_weights(enhancer, checkpoint)
    elif enhancer.trainable:
        warnings.warn(f'{path}: no checkpoint given, {type(enhancer).__name__} keeps its '
                      'random initial weights')
    enhancer.eval().requires_grad_(False)
    flush_subnormal_(enhancer)
    return enhancer.to(device)


def flush_subnormal_(module: torch.nn.Module) -> int:
    """Set subnormal floating-point parameters and buffers (``0 < |x| < finfo.tiny``) to zero.

    Several official checkpoints hold many (Zero-DCE Epoch99: 19266 of 79416 values; SCL-LLE,
    SGZ: half of theirs). Some CPUs compute with subnormals tens of times slower (Zero-DCE took
    75 s on a 500 x 375 photo with them and 2.1 s without), others at full speed
    (``bench/subnormal_weights.py``); the output is bitwise the same either way (they are below
    the rounding of anything they are added to).

    Args:
        module (nn.Module): Modified in place.

    Returns:
        int: How many values were set to zero.
    """
    flushed = 0
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            if tensor.is_floating_point():
                tiny = torch.finfo(tensor.dtype).tiny
                subnormal = (tensor != 0) & (tensor.abs() < tiny)
                flushed += int(subnormal.sum())
                tensor[subnormal] = 0
    return flushed
