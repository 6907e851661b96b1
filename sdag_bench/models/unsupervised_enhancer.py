"""An enhancer trained with a dict of unsupervised losses, as an mmengine model."""
from typing import Dict, List, Optional, Union

from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor, nn

from sdag_bench.enhancers.base import BaseEnhancer
from sdag_bench.enhancers.builder import build_enhancer
from sdag_bench.registry import MODELS


def _build(cfg: Union[dict, nn.Module]) -> nn.Module:
    return MODELS.build(dict(cfg, _scope_=cfg.get('_scope_', 'sdag_bench'))) \
        if isinstance(cfg, dict) else cfg


@MODELS.register_module()
class UnsupervisedEnhancerModel(BaseModel):
    """Enhancer + weighted unsupervised losses (mmengine ``BaseModel``).

    In ``'loss'`` mode it runs ``outputs = enhancer.forward_train(inputs)``, adds
    ``outputs['inputs'] = inputs`` and evaluates every loss of :attr:`losses` on
    ``[outputs[k] for k in loss.input_keys]``. :attr:`losses` is read at every call, so a hook may
    add a term while training (``model.losses['loss_sdag'] = ...``).

    Args:
        enhancer (dict | BaseEnhancer): The enhancer or its config.
        losses (dict[str, dict | nn.Module]): Losses by logged name; every name contains
            'loss' (mmengine sums those into the optimised total).
        data_preprocessor (dict | nn.Module, optional): Defaults to
            ``EnhancerDataPreprocessor`` (float RGB [0, 1] batches).
        init_cfg (dict, optional): mmengine init config. Defaults to None.
    """

    def __init__(self, enhancer: Union[dict, BaseEnhancer],
                 losses: Dict[str, Union[dict, nn.Module]],
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=_build(data_preprocessor or dict(type='EnhancerDataPreprocessor')),
            init_cfg=init_cfg)
        self.enhancer = build_enhancer(enhancer) if isinstance(enhancer, dict) else enhancer
        unnamed = [name for name in losses if 'loss' not in name]
        if unnamed:
            raise ValueError(f'loss names must contain "loss" to be optimised: {unnamed}')
        self.losses = nn.ModuleDict({name: _build(cfg) for name, cfg in losses.items()})

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[Tensor, Dict[str, Tensor], List[BaseDataElement]]:
        """Run in one of three modes.

        Args:
            inputs (Tensor): Float RGB in [0, 1], (N, 3, H, W).
            data_samples (list, optional): Per-image metadata (kept in predictions).
            mode (str): 'loss' -> dict of named loss terms; 'predict' -> one
                ``BaseDataElement`` per image with ``pred_img`` (3 x H x W, clamped to [0, 1])
                and the sample's fields (e.g. ``gt_img``); 'tensor' -> the enhanced batch.
        """
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.enhancer(inputs)
        raise ValueError(f'unknown mode {mode!r}; use "loss", "predict" or "tensor"')

    def loss(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Every loss term by its name."""
        outputs = self.enhancer.forward_train(inputs)
        outputs['inputs'] = inputs
        terms = {}
        for name, loss in self.losses.items():
            missing = [k for k in loss.input_keys if k not in outputs]
            if missing:
                raise KeyError(f'{name} ({type(loss).__name__}) needs {missing}, but '
                               f'{type(self.enhancer).__name__}.forward_train gives '
                               f'{sorted(outputs)}')
            terms[name] = loss(*[outputs[k] for k in loss.input_keys])
        return terms

    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> List[BaseDataElement]:
        """Enhanced images as data elements (``pred_img``), merged into ``data_samples``."""
        enhanced = self.enhancer(inputs).clamp(0, 1)
        results = []
        for i, img in enumerate(enhanced):
            sample = data_samples[i] if data_samples else None
            result = sample if isinstance(sample, BaseDataElement) else BaseDataElement(
                metainfo=sample or {})
            result.pred_img = img
            results.append(result)
        return results
