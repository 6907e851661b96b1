"""SCI: self-calibrated illumination learning (Ma et al., CVPR 2022).

Retinex model ``x = r * i``: a tiny weight-shared network estimates the illumination ``i`` and
the enhanced image is ``r = clamp(x / i, 0, 1)``. In training, a self-calibrating module maps each
stage's ``r`` to a correction added to the input of the next stage; at test time only the
illumination stage runs on the raw input. Official code: https://github.com/vis-opt-group/SCI.
"""
from typing import Dict, Mapping

import torch
from torch import Tensor, nn

from sdag_bench.utils.checkpoint import CheckpointError
from sdag_bench.registry import MODELS
from .base import BaseEnhancer
from .key_maps import rename_keys


def _conv(in_channels: int, out_channels: int) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, 1, 1)


class IlluminationEstimator(nn.Module):
    """``i = clamp(sigmoid(out_conv(f)) + x, 1e-4, 1)``, ``f = relu(in_conv(x))`` refined by
    ``num_blocks`` residual conv-BN-ReLU steps that share one set of weights (as in the official
    code, where ``blocks`` holds the same module ``layers`` times).

    Args:
        channels (int): Feature channels. Defaults to 3.
        num_blocks (int): Residual steps. Defaults to 1.
    """

    def __init__(self, channels: int = 3, num_blocks: int = 1) -> None:
        super().__init__()
        self.num_blocks = num_blocks
        self.in_conv = nn.Sequential(_conv(3, channels), nn.ReLU())
        self.conv = nn.Sequential(_conv(channels, channels), nn.BatchNorm2d(channels), nn.ReLU())
        self.out_conv = nn.Sequential(_conv(channels, 3), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        fea = self.in_conv(x)
        for _ in range(self.num_blocks):
            fea = fea + self.conv(fea)
        return torch.clamp(self.out_conv(fea) + x, 0.0001, 1)


class SelfCalibrator(nn.Module):
    """Self-calibrated module: ``x - sigmoid(out_conv(f))`` with a weight-shared residual trunk.

    Args:
        channels (int): Feature channels. Defaults to 16.
        num_blocks (int): Residual steps (each two conv-BN-ReLU). Defaults to 3.
    """

    def __init__(self, channels: int = 16, num_blocks: int = 3) -> None:
        super().__init__()
        self.num_blocks = num_blocks
        self.in_conv = nn.Sequential(_conv(3, channels), nn.BatchNorm2d(channels), nn.ReLU())
        self.convs = nn.Sequential(
            _conv(channels, channels), nn.BatchNorm2d(channels), nn.ReLU(),
            _conv(channels, channels), nn.BatchNorm2d(channels), nn.ReLU())
        self.out_conv = nn.Sequential(_conv(channels, 3), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        fea = self.in_conv(x)
        for _ in range(self.num_blocks):
            fea = fea + self.convs(fea)
        return x - self.out_conv(fea)


@MODELS.register_module()
class SCI(BaseEnhancer):
    """SCI enhancer: illumination estimation at test time, self-calibrated stages in training.

    Args:
        stages (int): Training stages (weight-shared). Defaults to 3.
        illumination_channels (int): Channels of the illumination estimator. Defaults to 3.
        calibrator_channels (int): Channels of the self-calibrator. Defaults to 16.
        init_std (float, optional): Std of the official normal init of conv weights (biases 0,
            BN weights N(1, std)); None keeps PyTorch's default. Defaults to 0.02.
    """

    trainable = True

    def __init__(self, stages: int = 3, illumination_channels: int = 3,
                 calibrator_channels: int = 16, init_std: float = 0.02) -> None:
        super().__init__()
        self.stages = stages
        self.illumination = IlluminationEstimator(illumination_channels, 1)
        self.calibrator = SelfCalibrator(calibrator_channels, 3)
        if init_std is not None:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.normal_(m.weight, 0.0, init_std)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.normal_(m.weight, 1.0, init_std)

    @staticmethod
    def reflectance(inputs: Tensor, illumination: Tensor) -> Tensor:
        """``r = clamp(x / i, 0, 1)``."""
        return torch.clamp(inputs / illumination, 0, 1)

    def forward(self, inputs: Tensor) -> Tensor:
        return self.reflectance(inputs, self.illumination(inputs))

    def forward_train(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Run the self-calibrated stages.

        Returns:
            dict[str, Tensor]: ``enhanced`` (first-stage reflectance, what inference gives),
            ``illumination`` and ``stage_inputs`` (both N x stages x 3 x H x W: each stage's
            illumination and the input it saw).
        """
        stage_input, illus, stage_inputs = inputs, [], []
        enhanced = None
        for _ in range(self.stages):
            stage_inputs.append(stage_input)
            illu = self.illumination(stage_input)
            r = self.reflectance(inputs, illu)
            enhanced = r if enhanced is None else enhanced
            stage_input = inputs + self.calibrator(r)
            illus.append(illu)
        return {'enhanced': enhanced, 'illumination': torch.stack(illus, 1),
                'stage_inputs': torch.stack(stage_inputs, 1)}


#: Official ``Network`` / ``Finetunemodel`` keys -> :class:`SCI` (``blocks.k`` are aliases of
#: the shared ``conv`` / ``convs`` and are checked, then dropped).
SCI_KEY_MAP = ((r'^enhance\.', 'illumination.'), (r'^calibrate\.', 'calibrator.'))
_SHARED_ALIASES = {'enhance.blocks.': 'enhance.conv.', 'calibrate.blocks.': 'calibrate.convs.'}


def convert_sci(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Official SCI weights (``easy/medium/difficult.pt``) -> :class:`SCI` state dict.

    Raises:
        CheckpointError: If a ``blocks.k`` alias differs from the shared module it aliases.
    """
    kept = {}
    for key, value in state_dict.items():
        for alias, target in _SHARED_ALIASES.items():
            if key.startswith(alias):
                # 'enhance.blocks.0.1.weight' -> 'enhance.conv.1.weight'
                rest = key[len(alias):].split('.', 1)[1]
                shared = state_dict.get(target + rest)
                if shared is None or not torch.equal(shared, value):
                    raise CheckpointError(
                        f'SCI checkpoint: {key} is not an alias of {target}{rest}')
                break
        else:
            kept[key] = value
    return rename_keys(kept, SCI_KEY_MAP)
