"""Frozen semantic feature extractors for :class:`SemanticAwareNet`.

SDAG reconstructs an image from the features of the recognition model that follows the enhancer.
Every extractor here takes an ImageNet-normalised RGB batch (what :class:`SemanticAwareNet` feeds
it), returns a feature map, exposes ``out_channels``, and stays frozen: no gradients for its
parameters, and ``train()`` never switches it out of eval mode (BatchNorm statistics stay fixed).
"""
import warnings
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import Config, ConfigDict
from torch import Tensor, nn

from sdag_bench.registry import MODELS
from sdag_bench.utils.checkpoint import (CheckpointError, extract_state_dict, load_checkpoint_file,
                                         load_state_dict_strict)
from sdag_bench.utils.paths import resolve_project_path

#: ImageNet statistics of RGB images in [0, 1].
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: Where VGG16's conv1_1 / conv1_2 live in the checkpoint layouts we accept.
_VGG_KEY_PREFIXES = ('layers.', 'features.', 'vgg_extractor.slice1.', 'extractor.layers.')


class FrozenExtractor(nn.Module):
    """Base class: parameters never require grad and the module stays in eval mode."""

    #: Channels of the returned feature map; set by subclasses.
    out_channels: int = 0
    #: The file the weights were read from (None: random or filled later with the whole net).
    weights_source: Optional[str] = None

    def describe(self) -> str:
        """The extractor in a few words, for error messages."""
        return type(self).__name__

    def freeze(self) -> None:
        """Stop gradients for every parameter and switch to eval mode."""
        for param in self.parameters():
            param.requires_grad_(False)
        super().train(False)

    def train(self, mode: bool = True) -> 'FrozenExtractor':
        """Keep eval mode whatever ``mode`` is (the extractor is frozen)."""
        return super().train(False)


@MODELS.register_module()
class VGGSlice(FrozenExtractor):
    """VGG16 ``features[0:3]``: conv1_1, ReLU, conv1_2 (no ReLU after conv1_2), as in SDAG.

    Args:
        checkpoint (str, optional): File holding the two convolutions: a torchvision VGG16 state
            dict (``features.0/2.*``), the official ``SemanticAwareRecon.pth`` (``params`` /
            ``params_ema``; ``vgg_extractor.slice1.0/2.*``) or this module's own state dict.
            ``None`` keeps random weights (useful only when a whole :class:`SemanticAwareNet`
            checkpoint is loaded afterwards). Defaults to None.
        checkpoint_key (str, optional): Wrapper key in the checkpoint (e.g. ``'params_ema'``).
            Defaults to auto-detection.
    """

    out_channels = 64

    def __init__(self, checkpoint: Optional[str] = None,
                 checkpoint_key: Optional[str] = None) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(inplace=False), nn.Conv2d(64, 64, 3, padding=1))
        if checkpoint is not None:
            self.load_vgg_weights(checkpoint, checkpoint_key)
            self.weights_source = checkpoint
        self.freeze()

    def load_vgg_weights(self, path: str, key: Optional[str] = None) -> None:
        """Fill conv1_1 and conv1_2 from a checkpoint file (see the class docstring for layouts).

        Args:
            path (str): Checkpoint path.
            key (str, optional): Wrapper key. Defaults to auto-detection.

        Raises:
            CheckpointError: If no accepted layout holds both convolutions.
        """
        obj = load_checkpoint_file(path)
        keys = (key, ) if key else ('state_dict', 'params_ema', 'params', 'model')
        state = extract_state_dict(obj, path, keys=keys)
        for prefix in _VGG_KEY_PREFIXES:
            names = [f'{prefix}{i}.{p}' for i in (0, 2) for p in ('weight', 'bias')]
            if all(name in state for name in names):
                picked = {f'layers.{name[len(prefix):]}': state[name] for name in names}
                load_state_dict_strict(self, picked, path)
                return
        raise CheckpointError(
            f'checkpoint {path} holds no VGG16 conv1_1/conv1_2: expected keys under one of '
            f'{", ".join(_VGG_KEY_PREFIXES)} (e.g. features.0.weight)')

    def forward(self, x: Tensor) -> Tensor:
        """Extract conv1_2 features.

        Args:
            x (Tensor): ImageNet-normalised RGB, shape (N, 3, H, W).

        Returns:
            Tensor: Features, shape (N, 64, H, W).
        """
        return self.layers(x)


def _backbone_stages(backbone: nn.Module, num_stages: int) -> Optional[List[nn.Module]]:
    """The stem and first ``num_stages`` stages of a backbone as a list of modules, if known.

    Handles the ResNet family (ResNet, ResNeXt, RegNet, Res2Net, ResNeSt ...), backbones that
    name their stages in a ``layers`` list (CSPDarknet, CSPNeXt, MobileNetV2) and darknet-tiny
    (YOLOv3-tiny's ``DarknetTiny``: ``convs`` and ``pools`` lists; the stem is the first conv, a
    stage is a max-pool and the conv after it). Returns None for other backbones.

    Raises:
        ValueError: A darknet-tiny backbone has fewer than ``num_stages`` stages.
    """
    convs, pools = getattr(backbone, 'convs', None), getattr(backbone, 'pools', None)
    if isinstance(convs, nn.ModuleList) and isinstance(pools, nn.ModuleList) and len(convs):
        available = min(len(pools), len(convs) - 1)
        if num_stages > available:
            raise ValueError(f'{type(backbone).__name__} has {available} stages after its stem, '
                             f'num_stages={num_stages} asked for more')
        modules = [convs[0]]
        for index in range(num_stages):
            modules += [pools[index], convs[index + 1]]
        return modules
    if hasattr(backbone, 'res_layers'):  # ResNet family
        if getattr(backbone, 'deep_stem', False):
            stem = [backbone.stem]
        else:
            stem = [backbone.conv1, backbone.norm1, backbone.relu]
        stages = [getattr(backbone, name) for name in backbone.res_layers[:num_stages]]
        return stem + [backbone.maxpool] + stages
    names = getattr(backbone, 'layers', None)
    if isinstance(names, (list, tuple)) and names and all(isinstance(n, str) for n in names):
        if names[0] == 'stem':
            return [getattr(backbone, n) for n in names[:num_stages + 1]]
        if hasattr(backbone, 'conv1'):
            return [backbone.conv1] + [getattr(backbone, n) for n in names[:num_stages]]
    return None


@MODELS.register_module()
class DetectorStem(FrozenExtractor):
    """The stem and first stage(s) of a frozen MMDetection detector's backbone.

    This is the paper's "subsequent pre-trained recognition model extractor": the backbone is
    built from the detector's mmdet config, filled from the detector's checkpoint (keys
    ``backbone.*``; other keys are ignored) and cut after ``num_stages`` stages. The input is
    re-normalised from ImageNet statistics to the detector's own ``data_preprocessor`` statistics
    and channel order, so the features are exactly those the detector computes on the same image.

    Args:
        config (str): Path of the detector's mmdet config (``model.backbone`` is used).
        checkpoint (str, optional): Path of the detector's checkpoint (a plain state dict or one
            wrapped in ``state_dict``). ``None`` keeps random weights (tests only; warns).
        num_stages (int): Stages kept after the stem; 0 keeps the stem alone. Defaults to 1.
        channel_order (str, optional): ``'rgb'`` or ``'bgr'``, the order the backbone expects.
            Defaults to the config's ``data_preprocessor.bgr_to_rgb`` (True means ``'rgb'``).
    """

    def __init__(self, config: str, checkpoint: Optional[str] = None, num_stages: int = 1,
                 channel_order: Optional[str] = None) -> None:
        super().__init__()
        if num_stages < 0:
            raise ValueError(f'num_stages must be >= 0, got {num_stages}')
        cfg = Config.fromfile(resolve_project_path(config))
        if 'model' not in cfg or 'backbone' not in cfg.model:
            raise ValueError(f'{config} has no model.backbone: is it an mmdet detector config?')
        preprocessor = cfg.model.get('data_preprocessor') or {}
        if channel_order is None:
            channel_order = 'rgb' if preprocessor.get('bgr_to_rgb', False) else 'bgr'
        if channel_order not in ('rgb', 'bgr'):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
        self.flip_channels = channel_order == 'bgr'
        mean = preprocessor.get('mean') or [255 * m for m in IMAGENET_MEAN]
        std = preprocessor.get('std') or [255 * s for s in IMAGENET_STD]
        self.register_buffer('det_mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('det_std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)

        self.config = config
        self.num_stages = num_stages
        backbone = self._build_backbone(cfg.model.backbone, num_stages)
        if checkpoint is not None:
            self._load_backbone(backbone, checkpoint)
            self.weights_source = checkpoint
        else:
            warnings.warn('DetectorStem built without a checkpoint: random backbone weights')
        stages = _backbone_stages(backbone, num_stages)
        self.select_output = stages is None
        self.layers = backbone if stages is None else nn.Sequential(*stages)
        self.freeze()
        with torch.no_grad():
            self.out_channels = int(self._features(torch.zeros(1, 3, 64, 64)).shape[1])

    def describe(self) -> str:
        """The detector stem in a few words, for error messages."""
        return (f'DetectorStem of {self.config} ({self.num_stages} stage(s), '
                f'weights {self.weights_source or "random"})')

    @staticmethod
    def _build_backbone(backbone_cfg: ConfigDict, num_stages: int) -> nn.Module:
        backbone_cfg = backbone_cfg.copy()
        backbone_cfg.pop('init_cfg', None)  # never download pretrained weights here
        if 'out_indices' in backbone_cfg:  # only used by backbones without known stages
            backbone_cfg['out_indices'] = (max(num_stages - 1, 0), )
        return MODELS.build(backbone_cfg)

    @staticmethod
    def _load_backbone(backbone: nn.Module, path: str) -> None:
        state = extract_state_dict(load_checkpoint_file(path), path)
        picked: Dict[str, Tensor] = {
            k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
        if not picked:
            raise CheckpointError(f'checkpoint {path} has no backbone.* keys: is it a detector?')
        load_state_dict_strict(backbone, picked, path)

    def _features(self, x: Tensor) -> Tensor:
        out = self.layers(x)
        if self.select_output:
            out = out[0] if isinstance(out, Sequence) else out
        return out

    def forward(self, x: Tensor) -> Tensor:
        """Extract backbone features.

        Args:
            x (Tensor): ImageNet-normalised RGB, shape (N, 3, H, W).

        Returns:
            Tensor: Features, shape (N, out_channels, H / s, W / s) (s: the stages' stride).
        """
        mean = x.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = x.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
        pixels = (x * std + mean) * 255.0  # RGB in [0, 255]
        if self.flip_channels:  # the detector's mean / std are in its own channel order
            pixels = pixels.flip(1)
        return self._features((pixels - self.det_mean) / self.det_std)
