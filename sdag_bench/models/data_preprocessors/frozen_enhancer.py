"""Train a detector behind a frozen enhancer: the preprocessor, and the config line that sets it.

A detector config (or ``--cfg-options``) names the enhancer with one top-level key::

    frozen_enhancer = dict(config='configs/demo_zoo/zerodce.py',
                           checkpoint='checkpoints/demo_zoo/zerodce_s0.pth')

``tools/train.py`` calls :func:`apply_frozen_enhancer`, which swaps the detector's
``DetDataPreprocessor`` for :class:`FrozenEnhancerDetDataPreprocessor` (same mean, std, channel
order and padding) and adds :class:`~sdag_bench.hooks.frozen_enhancer_record_hook.
FrozenEnhancerRecordHook`. The enhancer is built from its config and checkpoint, frozen (eval
mode, no gradients) and kept out of the detector's state dict: checkpoints hold the detector's
weights only, and their ``meta['frozen_enhancer']`` says which enhancer they were trained behind.
"""
import os.path as osp
from pathlib import Path
from typing import Any, Dict, List, Optional

from mmengine.config import Config, ConfigDict

from sdag_bench.utils.file_hashes import sha256_file
from sdag_bench.utils.paths import resolve_project_path
from sdag_bench.registry import MODELS
from .enhanced_det_data_preprocessor import EnhancedDetDataPreprocessor

#: Top-level config key naming the enhancer a detector trains behind.
CONFIG_KEY = 'frozen_enhancer'
#: Checkpoint ``meta`` key of the record (see :meth:`FrozenEnhancerDetDataPreprocessor.record`).
META_KEY = 'frozen_enhancer'
RECORD_HOOK = 'FrozenEnhancerRecordHook'
_PREPROCESSOR = 'FrozenEnhancerDetDataPreprocessor'
_ENHANCER_PREFIX = 'enhancer.'


@MODELS.register_module()
class FrozenEnhancerDetDataPreprocessor(EnhancedDetDataPreprocessor):
    """``EnhancedDetDataPreprocessor`` whose enhancer comes from a config and stays out of the
    detector's weights.

    The enhancer is built with
    :func:`~sdag_bench.enhancers.builder.build_enhancer_from_config` (its weights loaded
    strictly, eval mode, ``requires_grad=False``). ``state_dict()`` leaves out its keys and
    ``load_state_dict()`` never overwrites it (enhancer keys in a loaded file are ignored,
    missing ones are not an error), so a detector checkpoint written while training behind it
    holds the detector alone and loads into the plain detector config.

    Args:
        enhancer_config (str): Config file with a top-level ``enhancer`` (and ``checkpoint``).
        enhancer_checkpoint (str, optional): Overrides the config's ``checkpoint``. Defaults
            to None (the config's).
        keep_enhanced (bool): See the parent. Defaults to False (training needs no copy).
        **kwargs: Passed to :class:`EnhancedDetDataPreprocessor` (not ``enhancer``).
    """

    def __init__(self,
                 enhancer_config: str,
                 enhancer_checkpoint: Optional[str] = None,
                 keep_enhanced: bool = False,
                 **kwargs) -> None:
        if 'enhancer' in kwargs:
            raise ValueError(f'{_PREPROCESSOR} builds its enhancer from enhancer_config; '
                             'do not pass enhancer')
        super().__init__(enhancer=None, keep_enhanced=keep_enhanced, **kwargs)
        from sdag_bench.enhancers.builder import build_enhancer_from_config
        path = resolve_project_path(enhancer_config)
        if not path or not osp.isfile(path):
            raise FileNotFoundError(f'frozen enhancer config {enhancer_config} not found')
        cfg = Config.fromfile(path)
        checkpoint = enhancer_checkpoint if enhancer_checkpoint is not None \
            else cfg.get('checkpoint')
        checkpoint = resolve_project_path(checkpoint) if checkpoint else None
        if checkpoint and not osp.isfile(checkpoint):
            raise FileNotFoundError(f'frozen enhancer checkpoint {checkpoint} (for '
                                    f'{enhancer_config}) not found')
        self.set_enhancer(build_enhancer_from_config(path, checkpoint or ''))
        self._record = dict(
            name=Path(enhancer_config).stem,
            config=str(enhancer_config),
            type=type(self.enhancer).__name__,
            checkpoint=str(enhancer_checkpoint if enhancer_checkpoint is not None
                           else cfg.get('checkpoint') or ''),
            checkpoint_sha256=sha256_file(checkpoint) if checkpoint else '',
        )
        self._register_state_dict_hook(_drop_enhancer_keys)
        self._register_load_state_dict_pre_hook(self._keep_own_enhancer)

    def record(self) -> Dict[str, str]:
        """Which enhancer this detector is trained behind (stored in checkpoint meta).

        Returns:
            dict[str, str]: ``name`` (config stem), ``config``, ``type``, ``checkpoint`` (as
            given, '' for none) and ``checkpoint_sha256`` ('' for none).
        """
        return dict(self._record)

    def _keep_own_enhancer(self, state_dict, prefix, local_metadata, strict, missing_keys,
                           unexpected_keys, error_msgs) -> None:
        """Replace whatever the loaded file says about the enhancer with its own tensors."""
        head = prefix + _ENHANCER_PREFIX
        for key in [k for k in state_dict if k.startswith(head)]:
            del state_dict[key]
        for key, value in self.enhancer.state_dict().items():
            state_dict[head + key] = value


def _drop_enhancer_keys(module, state_dict, prefix, local_metadata) -> None:
    """State-dict hook: the frozen enhancer's tensors are not the detector's weights."""
    head = prefix + _ENHANCER_PREFIX
    for key in [k for k in state_dict if k.startswith(head)]:
        del state_dict[key]


def _detector_cfg(model_cfg: ConfigDict) -> ConfigDict:
    """The detector that owns the data preprocessor (a wrapper's ``detector``, or the model)."""
    inner = model_cfg.get('detector')
    return _detector_cfg(inner) if isinstance(inner, dict) else model_cfg


def apply_frozen_enhancer(cfg: Config, source: str = 'the config') -> Optional[Dict[str, Any]]:
    """Put the enhancer named by ``cfg.frozen_enhancer`` in front of the detector of ``cfg``.

    Args:
        cfg (Config): A training config (changed in place). ``frozen_enhancer`` is None or
            absent (nothing to do), or ``dict(config=..., checkpoint=...)``.
        source (str): Names the config in errors. Defaults to 'the config'.

    Returns:
        dict | None: The ``frozen_enhancer`` entry applied, or None.

    Raises:
        ValueError: Unknown keys, no ``config``, or a detector whose preprocessor is not
            ``DetDataPreprocessor``.
        FileNotFoundError: The enhancer config or checkpoint does not exist.
    """
    entry = cfg.get(CONFIG_KEY)
    if entry is None:
        return None
    if isinstance(entry, str):
        entry = dict(config=entry)
    if not isinstance(entry, dict) or not entry.get('config'):
        raise ValueError(f'{source}: {CONFIG_KEY} must be dict(config=ENHANCER_CONFIG, '
                         f'checkpoint=None or PATH), got {entry!r}')
    unknown = sorted(set(entry) - {'config', 'checkpoint'})
    if unknown:
        raise ValueError(f'{source}: {CONFIG_KEY} has unknown keys {unknown} '
                         '(known: config, checkpoint)')
    config = resolve_project_path(entry['config'])
    if not osp.isfile(config):
        raise FileNotFoundError(f'{source}: {CONFIG_KEY}.config {entry["config"]} not found')
    checkpoint = entry.get('checkpoint')
    if checkpoint and not osp.isfile(resolve_project_path(checkpoint)):
        raise FileNotFoundError(f'{source}: {CONFIG_KEY}.checkpoint {checkpoint} not found')
    detector = _detector_cfg(cfg.model)
    preprocessor = detector.get('data_preprocessor') or ConfigDict(type='DetDataPreprocessor')
    kind = str(preprocessor['type']).split('.')[-1]
    if kind not in ('DetDataPreprocessor', _PREPROCESSOR):
        raise ValueError(f'{source}: the detector uses {preprocessor["type"]}; a frozen '
                         'enhancer goes only in front of DetDataPreprocessor')
    preprocessor = ConfigDict(preprocessor)
    preprocessor['type'] = f'sdag_bench.{_PREPROCESSOR}'
    preprocessor['enhancer_config'] = entry['config']
    preprocessor['enhancer_checkpoint'] = checkpoint
    detector['data_preprocessor'] = preprocessor
    hooks: List[dict] = list(cfg.get('custom_hooks') or [])
    if not any(str(h.get('type')).split('.')[-1] == RECORD_HOOK for h in hooks):
        hooks.append(dict(type=f'sdag_bench.{RECORD_HOOK}'))
    cfg.custom_hooks = hooks
    return dict(config=entry['config'], checkpoint=checkpoint)


__all__ = ['FrozenEnhancerDetDataPreprocessor', 'apply_frozen_enhancer', 'CONFIG_KEY',
           'META_KEY']
