"""Each detector's own test-time transforms, applied to the shared enhanced 8-bit image.

The benchmark loads every image once at its native size and enhances it once; each detector then
sees it as mmdet's ``tools/test.py`` would show it the enhanced image saved as an 8-bit PNG: the
transforms of the detector config's own ``test_dataloader.dataset.pipeline`` between loading and
packing (``Resize``, ``Pad``, ...) run through mmdet's ``TRANSFORMS`` on the uint8 image, and the
data sample gets the image shape and scale factor they produce, so that the detector's
``rescale=True`` maps its boxes back to the original image.
"""
import copy
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from ..cells import load_config

#: mmdet's default ``PackDetInputs`` meta keys.
DEFAULT_META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
                     'flip_direction')
#: Meta keys that describe the loaded image, which the detector's transforms never change.
_SOURCE_KEYS = ('img_id', 'img_path', 'ori_shape', 'scale_factor')


def _is_loading(step: dict) -> bool:
    """Image/annotation loading steps (``LoadImageFromFile``, ``LoadAnnotations``, ...)."""
    return str(step['type']).split('.')[-1].startswith('Load')


def _is_packing(step: dict) -> bool:
    return str(step['type']).split('.')[-1].startswith('Pack')


def describe_step(step: dict) -> str:
    """A short text of a transform config, e.g. ``Resize(scale=(608, 608), keep_ratio=True)``."""
    args = ', '.join(f'{k}={tuple(v) if isinstance(v, list) else v}' for k, v in step.items()
                     if k != 'type')
    return f"{str(step['type']).split('.')[-1]}({args})"


class DetectorTestTransforms:
    """The test-time transforms of one detector config.

    Args:
        config (str): Detector config with a ``test_dataloader.dataset.pipeline`` (mmdet's
            layout: loading, test-time transforms, ``PackDetInputs``), or, for a model-only
            config, a ``test_pipeline``.

    Raises:
        ValueError: The config has no test pipeline, or one the benchmark cannot apply to an
            in-memory image (test-time augmentation).
    """

    def __init__(self, config: str) -> None:
        cfg = load_config(config)
        try:
            pipeline = list(cfg.test_dataloader.dataset.pipeline)
        except AttributeError:  # a model-only config: its test_pipeline variable
            if not isinstance(cfg.get('test_pipeline'), (list, tuple)):
                raise ValueError(
                    f'{config}: neither test_dataloader.dataset.pipeline nor test_pipeline; the '
                    "benchmark applies the detector's own test-time transforms from it") from None
            pipeline = list(cfg.test_pipeline)
        self.config = config
        self.steps = [copy.deepcopy(dict(s)) for s in pipeline
                      if not _is_loading(s) and not _is_packing(s)]
        for step in self.steps:
            if 'TestTimeAug' in str(step['type']) or 'MultiScaleFlipAug' in str(step['type']):
                raise ValueError(f'{config}: test-time augmentation ({step["type"]}) is not '
                                 'supported by the benchmark')
        packing = [s for s in pipeline if _is_packing(s)]
        self.meta_keys = tuple(packing[-1].get('meta_keys', DEFAULT_META_KEYS)) \
            if packing else DEFAULT_META_KEYS
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmdet')):
            self.compose = Compose(copy.deepcopy(self.steps))

    def describe(self) -> str:
        """The detector input as a short text, e.g. ``Resize(scale=(608, 608), ...)``; an
        empty pipeline is 'original size'."""
        return ' + '.join(describe_step(s) for s in self.steps) or 'original size'

    def input_size(self) -> Optional[List[int]]:
        """The fixed (width, height) the pipeline resizes or pads to, if it names one."""
        for step in reversed(self.steps):
            for key in ('size', 'scale'):
                value = step.get(key)
                if isinstance(value, (list, tuple)) and len(value) == 2:
                    return [int(v) for v in value]
        return None

    def apply(self, image: np.ndarray, sample: Any) -> Tuple[torch.Tensor, Any]:
        """Transform one enhanced image and update a copy of its data sample.

        Args:
            image (np.ndarray): The enhanced uint8 image, H x W x C, in the channel order the
                dataset loaded it (BGR for mmcv's loaders).
            sample (DetDataSample): The loader's sample (metainfo of the loaded image).

        Returns:
            tuple[Tensor, DetDataSample]: The detector input (uint8, C x H x W, as
            ``PackDetInputs`` makes it) and the sample with the detector's ``img_shape``,
            ``pad_shape`` (when set), and ``scale_factor`` composed with the loading one (so
            boxes map back to ``ori_shape``).
        """
        meta = sample.metainfo
        results: Dict[str, Any] = dict(img=image, img_shape=image.shape[:2],
                                       ori_shape=image.shape[:2], img_path=meta.get('img_path'),
                                       img_id=meta.get('img_id'))
        results = self.compose(results)
        if results is None:
            raise ValueError(f"{self.config}: a test transform dropped {meta.get('img_path')}")
        img = results['img']
        if img.ndim < 3:
            img = img[..., None]
        tensor = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        loaded_w, loaded_h = meta.get('scale_factor', (1.0, 1.0))
        own_w, own_h = results.get('scale_factor', (1.0, 1.0))
        update = {k: results[k] for k in self.meta_keys
                  if k in results and k not in _SOURCE_KEYS}
        update['img_shape'] = tuple(results['img_shape'])
        update['scale_factor'] = (float(loaded_w) * float(own_w), float(loaded_h) * float(own_h))
        own = sample.clone()
        own.set_metainfo(update)
        return tensor, own

    def __call__(self, images: Sequence[np.ndarray],
                 samples: Sequence[Any]) -> Tuple[List[torch.Tensor], list]:
        """:meth:`apply` over a batch."""
        pairs = [self.apply(image, sample) for image, sample in zip(images, samples)]
        return [p[0] for p in pairs], [p[1] for p in pairs]


def to_uint8_images(enhanced: Sequence[torch.Tensor]) -> List[np.ndarray]:
    """The enhancer's output (float 0-255, C x H x W, loading channel order) as the uint8
    H x W x C arrays an 8-bit PNG would hold."""
    return [np.ascontiguousarray(
        img.detach().round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).cpu().numpy())
        for img in enhanced]
