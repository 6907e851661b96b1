"""SemanticAwareNet: SDAG's reconstruction network, and the key map of the official weights.

Pipeline: RGB [0, 1] -> ImageNet normalisation -> frozen extractor -> 3 invertible blocks ->
1x1 conv to 3 channels -> (resize back to the input size if the extractor strides) ->
ImageNet de-normalisation -> RGB. The official code normalises and de-normalises around the
network in its caller; here both happen inside the module.

Convert the official ``SemanticAwareRecon.pth`` into a plain state dict of this module::

    python -m sdag_bench.sdag.semantic_aware_net --convert SemanticAwareRecon.pth out.pth \
        --key params_ema
"""
import argparse
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sdag_bench.registry import MODELS
from sdag_bench.sdag.extractors import IMAGENET_MEAN, IMAGENET_STD
from sdag_bench.utils.checkpoint import (CheckpointError, extract_state_dict,
                                         load_checkpoint_file, load_state_dict_strict)


class HINBlock(nn.Module):
    """Half-instance-normalisation residual block (a sub-net F, G or H of an invertible block).

    conv3x3 -> affine InstanceNorm on the first half of the channels -> LeakyReLU -> conv3x3 ->
    LeakyReLU, plus a 1x1 conv shortcut.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        negative_slope (float): LeakyReLU slope. Defaults to 0.2.
    """

    def __init__(self, in_channels: int, out_channels: int, negative_slope: float = 0.2) -> None:
        super().__init__()
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm = nn.InstanceNorm2d(out_channels // 2, affine=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.act = nn.LeakyReLU(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block to (N, in_channels, H, W); returns (N, out_channels, H, W)."""
        out = self.conv1(x)
        normed, kept = out.split([self.norm.num_features, out.shape[1] - self.norm.num_features],
                                 dim=1)
        out = self.act(torch.cat([self.norm(normed), kept], dim=1))
        return self.act(self.conv2(out)) + self.shortcut(x)


class InvBlock(nn.Module):
    """Affine coupling block: ``y1 = x1 + F(x2)``; ``y2 = x2 * exp(s(y1)) + G(y1)``.

    ``s = clamp * (2 * sigmoid(H(y1)) - 1)`` keeps the log-scale within ``[-clamp, clamp]``.

    Args:
        channels (int): Channels in and out.
        split_channels (int, optional): Channels of ``x1``. Defaults to half of ``channels``.
        clamp (float): Bound of the log-scale. Defaults to 0.8.
    """

    def __init__(self, channels: int, split_channels: Optional[int] = None,
                 clamp: float = 0.8) -> None:
        super().__init__()
        self.split1 = channels // 2 if split_channels is None else split_channels
        self.split2 = channels - self.split1
        self.clamp = clamp
        self.F = HINBlock(self.split2, self.split1)
        self.G = HINBlock(self.split1, self.split2)
        self.H = HINBlock(self.split1, self.split2)

    def forward(self, x: Tensor) -> Tensor:
        """Couple the two halves of (N, channels, H, W); same shape out."""
        x1, x2 = x.split([self.split1, self.split2], dim=1)
        y1 = x1 + self.F(x2)
        log_scale = self.clamp * (torch.sigmoid(self.H(y1)) * 2 - 1)
        y2 = x2 * torch.exp(log_scale) + self.G(y1)
        return torch.cat([y1, y2], dim=1)


#: Official ``SemanticAwareRecon.pth`` key -> ours, applied in order as regex substitutions.
OFFICIAL_KEY_MAP: List[Tuple[str, Union[str, Callable[[re.Match], str]]]] = [
    (r'^vgg_extractor\.slice1\.', 'extractor.layers.'),
    (r'^process(\d+)\.', lambda m: f'blocks.{int(m.group(1)) - 1}.'),
    (r'\.identity\.', '.shortcut.'),
    (r'\.conv_1\.', '.conv1.'),
    (r'\.conv_2\.', '.conv2.'),
    (r'^ConvOut\.', 'out_conv.'),
]


def is_official_state_dict(state: Mapping[str, Tensor]) -> bool:
    """Whether a state dict uses the official SDAG key names (``process1.*``, ``ConvOut.*``)."""
    return any(k.startswith(('process1.', 'ConvOut.')) for k in state)


def convert_official_state_dict(state: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Rename the official SDAG keys to :class:`SemanticAwareNet`'s.

    Args:
        state (Mapping[str, Tensor]): ``params`` or ``params_ema`` of ``SemanticAwareRecon.pth``.

    Returns:
        dict[str, Tensor]: The same tensors under our key names.
    """
    converted = OrderedDict()
    for key, value in state.items():
        new_key = key
        for pattern, repl in OFFICIAL_KEY_MAP:
            new_key = re.sub(pattern, repl, new_key)
        converted[new_key] = value
    return converted


@MODELS.register_module()
class SemanticAwareNet(nn.Module):
    """SDAG's semantic-aware reconstruction network (input and output RGB in [0, 1]).

    Args:
        extractor (dict): Config of a frozen extractor from :mod:`sdag_bench.sdag.extractors`
            (``VGGSlice`` as official, or ``DetectorStem``). Defaults to ``dict(type='VGGSlice')``.
        num_blocks (int): Invertible blocks. Defaults to 3.
        clamp (float): Log-scale bound of the blocks. Defaults to 0.8.
        checkpoint (str, optional): Weights of the whole net, loaded strictly: our own state dict,
            an ``SDAGPretrainModel`` checkpoint exported by ``tools/export_state_dict.py``
            (``net.*`` keys) or the official ``SemanticAwareRecon.pth`` (mapped by
            :data:`OFFICIAL_KEY_MAP`). Defaults to None.
        checkpoint_key (str, optional): ``'params'`` or ``'params_ema'`` for the official file.
            Defaults to auto-detection (``params_ema`` first).
        frozen (bool): Freeze the whole net (for guidance). Defaults to False.
    """

    def __init__(self, extractor: Optional[dict] = None, num_blocks: int = 3, clamp: float = 0.8,
                 checkpoint: Optional[str] = None, checkpoint_key: Optional[str] = None,
                 frozen: bool = False) -> None:
        super().__init__()
        self.extractor = MODELS.build(extractor if extractor is not None else
                                      dict(type='VGGSlice'))
        channels = self.extractor.out_channels
        self.blocks = nn.ModuleList(InvBlock(channels, clamp=clamp) for _ in range(num_blocks))
        self.out_conv = nn.Conv2d(channels, 3, 1)
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.frozen = False
        if checkpoint is not None:
            self.load_checkpoint(checkpoint, checkpoint_key)
        if frozen:
            self.freeze()

    def load_checkpoint(self, path: str, key: Optional[str] = None) -> None:
        """Load the whole net strictly from our state dict or the official file.

        Args:
            path (str): Checkpoint path.
            key (str, optional): Wrapper key (``'params'`` / ``'params_ema'``). Defaults to
                auto-detection.
        """
        keys = (key, ) if key else ('state_dict', 'params_ema', 'params', 'model')
        state = extract_state_dict(load_checkpoint_file(path), path, keys=keys)
        if state and all(k.startswith('net.') for k in state):  # exported SDAGPretrainModel
            state = {k[len('net.'):]: v for k, v in state.items()}
        if is_official_state_dict(state):
            state = convert_official_state_dict(state)
        problem = self.extractor_mismatch(state)
        if problem:
            raise CheckpointError(f'SDAG checkpoint {path} was made for another extractor: '
                                  f'{problem}')
        load_state_dict_strict(self, state, path)

    def extractor_mismatch(self, state: Mapping[str, Tensor]) -> Optional[str]:
        """What makes a whole-net state dict's frozen extractor differ from this net's, if
        anything.

        The extractor's weights are part of an SDAG checkpoint. Loading one pretrained over
        another extractor (a VGG slice, another detector's stem) would either fail on a list of
        keys or, for the same architecture, silently replace the detector's own stem weights
        with the other detector's, so that the guidance no longer comes from the detector that
        judges.

        Args:
            state (Mapping[str, Tensor]): The checkpoint, in this module's key names.

        Returns:
            str | None: One line naming the difference, or None when the extractor fits (same
            keys and shapes and, if this net's extractor read its own weights from a file, the
            same values).
        """
        own = {k: v for k, v in self.state_dict().items() if k.startswith('extractor.')}
        theirs = {k: v for k, v in state.items() if k.startswith('extractor.')}
        expected = self.extractor.describe()

        def summary(tensors: Mapping[str, Tensor]) -> str:
            first = next(iter(tensors), None)
            shape = 'x'.join(map(str, tensors[first].shape)) if first else ''
            return f'{len(tensors)} tensors' + (f', first {first} {shape}' if first else '')

        if not theirs:
            return f'it holds no extractor.* weights; this config expects {expected}'
        shapes_differ = set(own) != set(theirs) or any(
            own[k].shape != theirs[k].shape for k in own)
        if shapes_differ:
            return f'its extractor ({summary(theirs)}) is not {expected} ({summary(own)})'
        if self.extractor.weights_source is not None:
            gap = max(float((own[k].float() - theirs[k].float()).abs().max()) for k in own)
            if gap > 0:
                return (f'its extractor weights differ from those of {expected} (max |diff| '
                        f'{gap:.3g}): it was pretrained over another model\'s weights')
        return None

    def freeze(self) -> None:
        """Stop gradients for every parameter and keep the net in eval mode."""
        for param in self.parameters():
            param.requires_grad_(False)
        self.frozen = True
        super().train(False)

    def train(self, mode: bool = True) -> 'SemanticAwareNet':
        """Switch train / eval mode; a frozen net stays in eval mode."""
        return super().train(mode and not self.frozen)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruct an image from its frozen semantic features.

        Args:
            x (Tensor): RGB in [0, 1], shape (N, 3, H, W).

        Returns:
            Tensor: Reconstruction, RGB (not clamped), shape (N, 3, H, W).
        """
        feats = self.extractor((x - self.mean) / self.std)
        for block in self.blocks:
            feats = block(feats)
        out = self.out_conv(feats)
        if out.shape[-2:] != x.shape[-2:]:  # strided extractors (DetectorStem)
            out = F.interpolate(out, size=x.shape[-2:], mode='bilinear', align_corners=False)
        return out * self.std + self.mean


def convert_official_checkpoint(src: str, dst: str, key: str = 'params_ema') -> Dict[str, Tensor]:
    """Convert the official ``SemanticAwareRecon.pth`` into a plain state dict file.

    The result is checked by loading it strictly into a default :class:`SemanticAwareNet`.

    Args:
        src (str): Official checkpoint path.
        dst (str): Output path (a plain state dict, loadable with ``weights_only=True``).
        key (str): ``'params'`` or ``'params_ema'``. Defaults to ``'params_ema'``.

    Returns:
        dict[str, Tensor]: The converted state dict.
    """
    state = convert_official_state_dict(
        extract_state_dict(load_checkpoint_file(src), src, keys=(key, )))
    load_state_dict_strict(SemanticAwareNet(), state, src)
    torch.save(state, dst)
    return state


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description='Convert the official SDAG weights')
    parser.add_argument('--convert', nargs=2, metavar=('SRC', 'DST'), required=True,
                        help='official SemanticAwareRecon.pth and the output path')
    parser.add_argument('--key', default='params_ema', choices=['params', 'params_ema'])
    args = parser.parse_args(argv)
    state = convert_official_checkpoint(*args.convert, key=args.key)
    print(f'wrote {len(state)} tensors ({args.key}) to {args.convert[1]}')


if __name__ == '__main__':
    main()
