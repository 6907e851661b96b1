"""Label maps for frozen detectors: read a COCO detector's predictions as ExDark classes.

Two ways to use it, both from the same table :data:`COCO_TO_EXDARK`:

* as a function on predictions: ``remap_data_samples(samples, build_index_map(coco, exdark))``;
* as a registered wrapper around any mmdet detector config. The wrapper's config is the
  detector's own config with three more keys, so a detector config turns into a label-mapped
  one by inheriting it and merging (mmengine merges ``model`` into the base's)::

      _base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'
      model = dict(type='LabelMappedDetector', detector_type=_base_.model.type,
                   label_map='coco_to_exdark')

  The config keeps the detector's ``backbone``, ``data_preprocessor``, ``test_cfg``, ... where
  mmdet's ``init_detector`` and tools look for them, and the detector's own checkpoints (keys
  without the wrapper's ``detector.`` prefix) load into the wrapper as they are.

Predictions of unmapped source classes (e.g. COCO ``traffic light``) are dropped; the remaining
labels are renumbered into the target class order. Nothing is retrained: ``mode='loss'`` is
refused.

The detection budget (``test_cfg.max_per_img``, e.g. 100 per image) applies to the *target*
classes: the wrapper lifts the wrapped head's ``max_per_img`` and keeps the ``max_per_img``
highest-scoring detections after the mapping, so detections of the 68 COCO classes ExDark does not
have (traffic lights, cars' wheels read as frisbees, ...) never push out ExDark ones. The head's
candidate pre-selection (``nms_pre``, per level, before NMS) and its score threshold are kept.
"""
import copy
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmdet.datasets import CocoDataset
from mmdet.structures import DetDataSample
from mmengine.config import ConfigDict
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import nn

from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
from sdag_bench.registry import MODELS
from .declared_classes import DeclaredClassesMixin

#: COCO class name -> ExDark class name (the 12 classes ExDark shares with COCO).
COCO_TO_EXDARK: Dict[str, str] = {
    'bicycle': 'Bicycle', 'boat': 'Boat', 'bottle': 'Bottle', 'bus': 'Bus', 'car': 'Car',
    'cat': 'Cat', 'chair': 'Chair', 'cup': 'Cup', 'dog': 'Dog', 'motorcycle': 'Motorbike',
    'person': 'People', 'dining table': 'Table',
}

COCO_CLASSES = tuple(CocoDataset.METAINFO['classes'])

#: Named label maps: name -> (name map, default source classes, default target classes).
LABEL_MAPS = {'coco_to_exdark': (COCO_TO_EXDARK, COCO_CLASSES, EXDARK_CLASSES)}
#: ``max_per_img`` given to the wrapped head: every detection reaches the mapping.
UNLIMITED_DETECTIONS = 1 << 30


def build_index_map(source_classes: Sequence[str], target_classes: Sequence[str],
                    name_map: Optional[Dict[str, str]] = None) -> torch.Tensor:
    """Turn a class-name map into a label-index lookup table.

    Args:
        source_classes (Sequence[str]): The detector's classes, in its label order.
        target_classes (Sequence[str]): The dataset's classes, in its label order.
        name_map (dict[str, str], optional): Source name -> target name. Defaults to
            :data:`COCO_TO_EXDARK`.

    Returns:
        torch.Tensor: ``long`` tensor of ``len(source_classes)``; target label, or -1 to drop.

    Raises:
        ValueError: When the map names a class missing from either list.
    """
    name_map = COCO_TO_EXDARK if name_map is None else name_map
    missing = [s for s in name_map if s not in source_classes]
    missing += [t for t in name_map.values() if t not in target_classes]
    if missing:
        raise ValueError(f'label map names classes not in the class lists: {missing}')
    index = torch.full((len(source_classes), ), -1, dtype=torch.long)
    for source, target in name_map.items():
        index[list(source_classes).index(source)] = list(target_classes).index(target)
    return index


def remap_instances(instances: InstanceData, index_map: torch.Tensor,
                    max_per_img: Optional[int] = None) -> InstanceData:
    """Relabel predicted instances, drop those of unmapped classes, then apply the budget.

    Args:
        instances (InstanceData): With ``labels`` and ``scores`` (and ``bboxes``, ...).
        index_map (torch.Tensor): From :func:`build_index_map`.
        max_per_img (int, optional): Keep at most this many mapped instances, the highest
            scores first (ties keep their order). Defaults to None (keep all).

    Returns:
        InstanceData: A new object with only mapped instances, labels in the target order.
    """
    new_labels = index_map.to(instances.labels.device)[instances.labels]
    keep = new_labels >= 0
    remapped = instances[keep]
    remapped.labels = new_labels[keep]
    if max_per_img is not None and 0 <= max_per_img < len(remapped):
        order = torch.sort(remapped.scores, descending=True, stable=True).indices
        remapped = remapped[order[:max_per_img]]
    return remapped


def remap_data_samples(samples: List[DetDataSample], index_map: torch.Tensor,
                       max_per_img: Optional[int] = None) -> List[DetDataSample]:
    """Apply :func:`remap_instances` to every sample's ``pred_instances`` (in place).

    Returns:
        list[DetDataSample]: The same samples.
    """
    for sample in samples:
        if 'pred_instances' in sample:
            sample.pred_instances = remap_instances(sample.pred_instances, index_map,
                                                    max_per_img)
    return samples


def lift_detection_budget(detector: nn.Module) -> Optional[int]:
    """Give the detector's final head an unlimited ``max_per_img``; return the old value.

    The final head is ``roi_head`` (two-stage detectors; the RPN's proposal count is left
    alone) or ``bbox_head``. Its ``test_cfg`` is replaced by a copy, never changed in place.

    Args:
        detector (nn.Module): A built mmdet detector.

    Returns:
        int | None: The budget to apply after the mapping, or None when the head has no
        ``test_cfg.max_per_img`` (nothing is changed then).
    """
    head = getattr(detector, 'roi_head', None) or getattr(detector, 'bbox_head', None)
    cfg = getattr(head, 'test_cfg', None)
    if cfg is None or cfg.get('max_per_img') is None:
        return None
    budget = int(cfg['max_per_img'])
    cfg = copy.deepcopy(cfg)
    cfg['max_per_img'] = UNLIMITED_DETECTIONS
    head.test_cfg = cfg
    return budget


def _add_detector_prefix(state_dict: dict, prefix: str, *args) -> None:
    """Load-state-dict pre-hook: the wrapped detector's own checkpoint (keys without the
    ``detector.`` prefix, e.g. a COCO detector's) loads into the wrapper unchanged."""
    inner = prefix + 'detector.'
    if any(k.startswith(prefix) for k in state_dict) and \
            not any(k.startswith(inner) for k in state_dict):
        for key in [k for k in state_dict if k.startswith(prefix)]:
            state_dict[inner + key[len(prefix):]] = state_dict.pop(key)


@MODELS.register_module()
class LabelMappedDetector(DeclaredClassesMixin, BaseModel):
    """A frozen detector whose predictions are read through a label map.

    ``val_step``/``test_step`` run the wrapped detector's own step (its data preprocessor
    included) and remap the results; ``forward(mode='predict')`` does the same on
    preprocessed inputs; ``mode='tensor'`` is passed through. The detector's ``max_per_img``
    is applied after the mapping (see the module docstring; :attr:`max_per_img`).

    The wrapper's ``dataset_meta`` always names the target classes (its predictions are in
    that order by construction), whatever a checkpoint's meta or mmdet's COCO fallback sets.

    Args:
        detector (dict | nn.Module, optional): The detector (config or module). Defaults to
            None: the detector is built from ``detector_type`` and ``detector_cfg``.
        label_map (str | dict): A name in :data:`LABEL_MAPS` or a source -> target name map.
            Defaults to ``'coco_to_exdark'``.
        source_classes (Sequence[str], optional): The detector's classes. Defaults to the
            named map's (COCO's 80).
        target_classes (Sequence[str], optional): The dataset's classes. Defaults to the named
            map's (ExDark's 12).
        init_cfg (dict, optional): The wrapper's own init config. Defaults to None.
        detector_type (str, optional): The detector's ``type`` when ``detector`` is None.
        detector_cfg: The detector's other arguments (``backbone``, ``neck``, ``bbox_head``,
            ``data_preprocessor``, ``train_cfg``, ``test_cfg``, ...) when ``detector`` is None.
    """

    def __init__(self,
                 detector: Union[dict, nn.Module, None] = None,
                 label_map: Union[str, Dict[str, str]] = 'coco_to_exdark',
                 source_classes: Optional[Sequence[str]] = None,
                 target_classes: Optional[Sequence[str]] = None,
                 init_cfg: Optional[dict] = None,
                 detector_type: Optional[str] = None,
                 **detector_cfg) -> None:
        super().__init__(init_cfg=init_cfg)
        if detector is None:
            if detector_type is None:
                raise ValueError('LabelMappedDetector needs `detector` or `detector_type` (with '
                                 "the detector's own arguments beside it)")
            detector = dict(detector_cfg, type=detector_type)
        elif detector_type is not None or detector_cfg:
            raise ValueError('LabelMappedDetector takes either `detector` or `detector_type` '
                             f'with its arguments, not both (got {sorted(detector_cfg)})')
        if isinstance(detector, dict):  # mmdet heads read test_cfg by attribute
            detector = MODELS.build(ConfigDict(detector))
        self.detector = detector
        #: Detections kept per image after the mapping (None: the head has no budget).
        self.max_per_img = lift_detection_budget(detector)
        if isinstance(label_map, str):
            if label_map not in LABEL_MAPS:
                raise KeyError(f'unknown label map "{label_map}"; known: {sorted(LABEL_MAPS)}')
            name_map, default_source, default_target = LABEL_MAPS[label_map]
        else:
            name_map, default_source, default_target = dict(label_map), None, None
        source_classes = source_classes or default_source
        target_classes = target_classes or default_target
        if source_classes is None or target_classes is None:
            raise ValueError('a custom label map needs source_classes and target_classes')
        self.source_classes = tuple(source_classes)
        self.target_classes = tuple(target_classes)
        self.register_buffer('index_map',
                             build_index_map(self.source_classes, self.target_classes, name_map),
                             persistent=False)
        self.declared_classes = self.target_classes
        self._register_load_state_dict_pre_hook(_add_detector_prefix)

    def forward(self, inputs: torch.Tensor, data_samples=None, mode: str = 'tensor'):
        """Run the wrapped detector; remap in ``'predict'`` mode; refuse ``'loss'``."""
        if mode == 'loss':
            raise RuntimeError('LabelMappedDetector wraps a frozen detector: no training')
        outputs = self.detector(inputs, data_samples, mode=mode)
        if mode == 'predict':
            outputs = remap_data_samples(outputs, self.index_map, self.max_per_img)
        return outputs

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        """The wrapped detector's ``val_step``, remapped."""
        return remap_data_samples(self.detector.val_step(data), self.index_map,
                                  self.max_per_img)

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        """The wrapped detector's ``test_step``, remapped."""
        return remap_data_samples(self.detector.test_step(data), self.index_map,
                                  self.max_per_img)
