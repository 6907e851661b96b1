"""mmdet's ``init_detector`` with the class names of the detector's own config.

mmdet names a detector's classes from its checkpoint's ``meta['dataset_meta']`` and falls back to
COCO's 80 names (with a warning) when the checkpoint has none: converted official weights and
plain state dicts never do, and a checkpoint's bytes are part of every benchmark cell key, so
the project does not rewrite them. :func:`init_detector` is mmdet's, except that a checkpoint
without class names takes those of the config's test set (the classes the detector is tested
on: ExDark's 12 for a label-mapped COCO detector, ``face`` for DARK FACE, the demo shapes).
"""
import copy
import warnings
from typing import Optional, Tuple, Union

import torch
from mmdet.apis import init_detector as mmdet_init_detector
from mmengine.config import Config
from mmengine.registry import DefaultScope

from sdag_bench.registry import DATASETS

#: What mmdet warns when it falls back to COCO's class names.
_COCO_FALLBACK = 'use COCO classes by default'


def config_class_names(cfg: Config) -> Tuple[str, ...]:
    """The class names of a config's test set (``test_dataloader.dataset``'s metainfo).

    Args:
        cfg (Config): A detector config.

    Returns:
        tuple[str]: The names, in label order.
    """
    dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    dataset_cfg['lazy_init'] = True  # metainfo only: no annotation file is read
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'sdag_bench')):
        return tuple(DATASETS.build(dataset_cfg).metainfo['classes'])


def init_detector(config: Union[str, Config], checkpoint: Optional[str] = None,
                  device: str = 'cpu', **kwargs) -> torch.nn.Module:
    """``mmdet.apis.init_detector``, naming the classes from the config when the checkpoint
    does not.

    Args:
        config (str | Config): Detector config.
        checkpoint (str, optional): Weights; None keeps random weights. Defaults to None.
        device (str): Device. Defaults to 'cpu'.
        kwargs: ``palette``, ``cfg_options`` of mmdet's ``init_detector``.

    Returns:
        nn.Module: The detector (``model.cfg`` its config, ``model.dataset_meta['classes']``
        the checkpoint's names, or else its test set's).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        model = mmdet_init_detector(config, checkpoint, device=device, **kwargs)
    fallback = any(_COCO_FALLBACK in str(w.message) for w in caught)
    for w in caught:
        if not (fallback and _COCO_FALLBACK in str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if fallback:
        model.dataset_meta = dict(model.dataset_meta, classes=config_class_names(model.cfg))
    return model


__all__ = ['config_class_names', 'init_detector']
