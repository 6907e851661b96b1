"""Build enhancers from configs and load their weights (what the benchmark calls)."""
import warnings
from pathlib import Path
from typing import List, Optional, Union

from mmengine.config import Config

from sdag_bench.checkpoint import (extract_state_dict, load_checkpoint_file,
                                   load_state_dict_strict)
from sdag_bench.paths import resolve_project_path
from sdag_bench.registry import MODELS
from .base import BaseEnhancer

#: Relative checkpoint paths not found from the working directory are tried from the project root.
resolve_checkpoint = resolve_project_path


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
    path = resolve_checkpoint(path)
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
        CheckpointError: If the checkpoint is missing, unsafe or does not fit.
    """
    cfg = Config.fromfile(str(path))
    if 'enhancer' not in cfg:
        raise KeyError(f'config {path} defines no top-level `enhancer = dict(type=...)`')
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
    return enhancer.to(device)
