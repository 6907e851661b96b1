"""Self-supervised SDAG pretraining: reconstruct clean images better than degraded ones.

For a batch ``x`` and each degradation factor ``d``::

    loss_recon      = recon_weight * L1(net(x), x)
    loss_recon_<d>  = degraded_recon_weight * L1(net(d(x)), d(x))            (official: 0.1)
    loss_margin_<d> = margin_weight * max(0, margin - (cos(net(x), x) - cos(net(d(x)), d(x))))

with margin 0.5 (official). The cosine similarity is taken per image over all its pixels
(``cosine_over='image'``, default) or, as in the official code, per pixel position across the
batch (``cosine_over='batch'``, ``dim=0`` of the flattened (N, C*H*W) tensors).
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from sdag_bench.registry import MODELS
from sdag_bench.sdag.degradations import DegradationFactor, build_degradation

#: The official pretraining factors: gamma x ** (1/0.3) and Gaussian noise with sigma 50/255.
OFFICIAL_DEGRADATIONS = (dict(type='GammaDegradation'), dict(type='GaussianNoiseDegradation'))


def reconstruction_cosine(recon: Tensor, target: Tensor, cosine_over: str = 'image') -> Tensor:
    """Cosine similarity between reconstructions and their targets.

    Args:
        recon (Tensor): Reconstructions, shape (N, C, H, W).
        target (Tensor): Targets, same shape.
        cosine_over (str): ``'image'``: one value per image, shape (N,). ``'batch'``: the official
            code's ``dim=0``, one value per pixel position across the batch, shape (C*H*W,).
            Defaults to ``'image'``.

    Returns:
        Tensor: The similarities.
    """
    if cosine_over not in ('image', 'batch'):
        raise ValueError(f"cosine_over must be 'image' or 'batch', got {cosine_over!r}")
    dim = 1 if cosine_over == 'image' else 0
    return F.cosine_similarity(recon.flatten(1), target.flatten(1), dim=dim)


def degradation_margin_loss(recon: Tensor, target: Tensor, recon_degraded: Tensor,
                            degraded: Tensor, margin: float = 0.5,
                            cosine_over: str = 'image') -> Tensor:
    """Margin ranking loss asking the clean image to be reconstructed more faithfully.

    Args:
        recon (Tensor): ``net(x)``, shape (N, C, H, W).
        target (Tensor): ``x`` (treated as a constant).
        recon_degraded (Tensor): ``net(d(x))``.
        degraded (Tensor): ``d(x)`` (treated as a constant).
        margin (float): Required gap between the two cosine similarities. Defaults to 0.5.
        cosine_over (str): See :func:`reconstruction_cosine`. Defaults to ``'image'``.

    Returns:
        Tensor: Scalar mean of ``max(0, margin - (cos_clean - cos_degraded))``.
    """
    cos_clean = reconstruction_cosine(recon, target.detach(), cosine_over)
    cos_degraded = reconstruction_cosine(recon_degraded, degraded.detach(), cosine_over)
    return F.margin_ranking_loss(cos_clean, cos_degraded, torch.ones_like(cos_clean),
                                 margin=margin)


@MODELS.register_module()
class SDAGPretrainModel(BaseModel):
    """SDAG's self-supervised pretraining model (an mmengine ``BaseModel``).

    Args:
        net (dict): Config of the :class:`SemanticAwareNet` to train (its extractor stays frozen).
        degradations (Sequence[dict]): Degradation factor configs; each adds a degraded
            reconstruction term and a margin term. Defaults to the official gamma and noise.
        recon_weight (float): Weight of the clean L1 reconstruction. Defaults to 1.0.
        degraded_recon_weight (float): Weight of each degraded L1 reconstruction. Defaults to 0.1.
        margin (float): Margin of the ranking loss. Defaults to 0.5.
        margin_weight (float): Weight of each margin term. Defaults to 1.0.
        cosine_over (str): ``'image'`` (default) or ``'batch'`` (official quirk).
        seed (int, optional): Seed of the degradations' own generator. Defaults to None (the
            global RNG, seeded by the runner's ``randomness``).
        data_preprocessor (dict | nn.Module, optional): Must deliver float RGB in [0, 1].
            Defaults to ``EnhancerDataPreprocessor`` (what ``UnpairedImageFolder`` items need).
    """

    def __init__(self, net: dict,
                 degradations: Sequence[Union[dict, DegradationFactor]] = OFFICIAL_DEGRADATIONS,
                 recon_weight: float = 1.0, degraded_recon_weight: float = 0.1,
                 margin: float = 0.5, margin_weight: float = 1.0, cosine_over: str = 'image',
                 seed: Optional[int] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        data_preprocessor = data_preprocessor or dict(type='EnhancerDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.net = MODELS.build(net)
        self.degradations: List[DegradationFactor] = [build_degradation(d) for d in degradations]
        names = [d.name for d in self.degradations]
        if len(set(names)) != len(names):
            raise ValueError(f'degradation names must be unique (they key the logs): {names}')
        reconstruction_cosine(torch.zeros(1, 1), torch.zeros(1, 1), cosine_over)  # validates
        self.recon_weight = recon_weight
        self.degraded_recon_weight = degraded_recon_weight
        self.margin = margin
        self.margin_weight = margin_weight
        self.cosine_over = cosine_over
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], Tensor, List[dict]]:
        """Run in one of mmengine's modes.

        Args:
            inputs (Tensor): RGB in [0, 1], shape (N, 3, H, W).
            data_samples (list, optional): Unused (self-supervised).
            mode (str): ``'loss'``: dict of every loss term (and the cosine similarities);
                ``'predict'``: one dict per image with ``recon`` and its reconstruction errors;
                ``'tensor'``: the reconstructions.

        Returns:
            dict | list[dict] | Tensor: See ``mode``.
        """
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'predict':
            errors = self.reconstruction_errors(inputs)
            recon = self.net(inputs)
            return [dict(recon=recon[i], **{f'error_{k}': v[i] for k, v in errors.items()})
                    for i in range(inputs.shape[0])]
        if mode == 'tensor':
            return self.net(inputs)
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def loss(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Every pretraining term, keyed by name (``loss_*`` are summed by mmengine).

        Args:
            inputs (Tensor): RGB in [0, 1], shape (N, 3, H, W).

        Returns:
            dict[str, Tensor]: ``loss_recon``, ``loss_recon_<d>``, ``loss_margin_<d>`` per factor,
            plus ``cos_clean`` / ``cos_<d>`` (logged, not optimised).
        """
        recon = self.net(inputs)
        losses = {'loss_recon': self.recon_weight * F.l1_loss(recon, inputs)}
        with torch.no_grad():
            losses['cos_clean'] = reconstruction_cosine(recon, inputs, self.cosine_over).mean()
        for factor in self.degradations:
            with torch.no_grad():
                degraded = factor(inputs, self.generator)
            recon_d = self.net(degraded)
            losses[f'loss_recon_{factor.name}'] = \
                self.degraded_recon_weight * F.l1_loss(recon_d, degraded)
            losses[f'loss_margin_{factor.name}'] = self.margin_weight * degradation_margin_loss(
                recon, inputs, recon_d, degraded, self.margin, self.cosine_over)
            with torch.no_grad():
                losses[f'cos_{factor.name}'] = reconstruction_cosine(
                    recon_d, degraded, self.cosine_over).mean()
        return losses

    @torch.no_grad()
    def reconstruction_errors(self, inputs: Tensor,
                              generator: Optional[torch.Generator] = None) -> Dict[str, Tensor]:
        """Per-image mean absolute reconstruction error of the clean and each degraded copy.

        Args:
            inputs (Tensor): RGB in [0, 1], shape (N, 3, H, W).
            generator (torch.Generator, optional): Random source of the degradations. Defaults to
                the model's own generator.

        Returns:
            dict[str, Tensor]: ``'clean'`` and each factor's name -> errors, shape (N,).
        """
        generator = generator if generator is not None else self.generator
        errors = {'clean': (self.net(inputs) - inputs).abs().flatten(1).mean(1)}
        for factor in self.degradations:
            degraded = factor(inputs, generator)
            errors[factor.name] = (self.net(degraded) - degraded).abs().flatten(1).mean(1)
        return errors
