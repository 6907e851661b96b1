"""A frozen mmdet detector with an enhancer slot, and one detector's run on enhanced images."""
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import ConfigDict

from sdag_bench.registry import MODELS
from sdag_bench.utils.checkpoint import CheckpointError, extract_state_dict, load_checkpoint_file
from ..cells import load_config
from .detector_transforms import DetectorTestTransforms

_ENHANCER_PREFIX = 'data_preprocessor.enhancer.'


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


def detector_weights(config: str) -> str:
    """'frozen' (trained elsewhere, used as is: the default) or 'fine-tuned' (trained on the
    target data by the user), from the detector config's ``detector_weights`` key."""
    value = load_config(config).get('detector_weights', 'frozen')
    if value not in ('frozen', 'fine-tuned'):
        raise ValueError(f"{config}: detector_weights must be 'frozen' or 'fine-tuned', "
                         f'got {value!r}')
    return value


__all__ = ['build_frozen_detector', 'inner_detector', 'run_detector', 'detector_weights']
