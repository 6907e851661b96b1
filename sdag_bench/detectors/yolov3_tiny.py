"""Darknet YOLOv3-tiny (COCO) from mmdet's own parts: a darknet-tiny backbone and neck.

The original ``yolov3-tiny.cfg`` of darknet (Redmon & Farhadi, 2018), layer by layer (cfg
layer indices, counted from 0 after ``[net]``)::

    0 conv 16   1 maxpool/2   2 conv 32    3 maxpool/2   4 conv 64    5 maxpool/2
    6 conv 128  7 maxpool/2   8 conv 256   9 maxpool/2  10 conv 512  11 maxpool size 2 stride 1
   12 conv 1024                                               -> DarknetTiny (3x3, BN, leaky 0.1)
   13 conv 256 1x1                                            -> YOLOV3TinyNeck.conv_lateral
   14 conv 512 3x3, 15 conv 255 1x1, 16 yolo (mask 3,4,5)     -> YOLOV3Head level 0 (stride 32)
   17 route -4 (= 13), 18 conv 128 1x1, 19 upsample x2       -> YOLOV3TinyNeck.conv_up
   20 route -1, 8 (upsampled, then layer 8)                   -> YOLOV3TinyNeck (concat)
   21 conv 256 3x3, 22 conv 255 1x1, 23 yolo (mask 0,1,2)     -> YOLOV3Head level 1 (stride 16)

mmdet's ``YOLOV3Head`` has, per level, a 3x3 bridge ``ConvModule`` (BN + LeakyReLU 0.1) and a
1x1 prediction conv: cfg layers 14/15 and 21/22. Its anchors (``YOLOAnchorGenerator``, stride 32
first) are the cfg's masks 3,4,5 then 0,1,2; ``YOLOBBoxCoder`` decodes as darknet does
(centre = (cell + sigmoid(t)) * stride, size = anchor * exp(t)). The network sees RGB / 255:
in a config, ``DetDataPreprocessor(mean=[0, 0, 0], std=[255, 255, 255], bgr_to_rgb=True)``.

Darknet's ``[maxpool]`` pads ``size - 1`` pixels, all of them right and bottom for ``size=2``
(the max is taken over the valid pixels): :class:`DarknetMaxPool2d`. Batch norm uses
``eps=1e-6`` (darknet adds 1e-6 to the standard deviation; OpenCV's darknet reader uses
``eps=1e-6`` under the square root; the difference is below float precision for these weights).

Weights: ``tools/convert_darknet.py`` reads darknet's ``yolov3-tiny.weights`` through
:data:`YOLOV3_TINY_KEY_MAP` (cfg layer index -> module prefix of the mmdet ``YOLOV3`` model).
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from sdag_bench.registry import MODELS

#: Darknet's batch norm and activation as mmcv configs.
DARKNET_NORM_CFG = dict(type='BN', eps=1e-6)
DARKNET_ACT_CFG = dict(type='LeakyReLU', negative_slope=0.1)

#: cfg layer index of each convolutional layer of yolov3-tiny.cfg -> module prefix in the mmdet
#: ``YOLOV3`` model built from configs/detectors/coco/yolov3_tiny.py (and in the inner detector
#: of the ExDark config). A ``ConvModule`` prefix takes ``.conv.weight`` and ``.bn.*``; a plain
#: conv (the 1x1 prediction convs, no batch norm) takes ``.weight`` and ``.bias``.
YOLOV3_TINY_KEY_MAP: Dict[int, str] = {
    0: 'backbone.convs.0', 2: 'backbone.convs.1', 4: 'backbone.convs.2', 6: 'backbone.convs.3',
    8: 'backbone.convs.4', 10: 'backbone.convs.5', 12: 'backbone.convs.6',
    13: 'neck.conv_lateral', 14: 'bbox_head.convs_bridge.0', 15: 'bbox_head.convs_pred.0',
    18: 'neck.conv_up', 21: 'bbox_head.convs_bridge.1', 22: 'bbox_head.convs_pred.1',
}


class DarknetMaxPool2d(nn.Module):
    """Darknet's ``[maxpool]``: ``size - 1`` pixels of padding, ``(size - 1) // 2`` of them left
    and top, the rest right and bottom; padded pixels never win the max.

    For ``size=2`` this pads one pixel right and bottom: with ``stride=1`` the spatial size is
    kept, with ``stride=2`` an odd size is rounded up.

    Args:
        size (int): Window size. Defaults to 2.
        stride (int): Stride. Defaults to 2.
    """

    def __init__(self, size: int = 2, stride: int = 2) -> None:
        super().__init__()
        self.size, self.stride = size, stride
        before = (size - 1) // 2
        after = size - 1 - before
        self.padding = (before, after, before, after)  # left, right, top, bottom

    def forward(self, x: Tensor) -> Tensor:
        """Max-pool ``x`` (N, C, H, W) the darknet way."""
        x = F.pad(x, self.padding, value=float('-inf'))
        return F.max_pool2d(x, self.size, self.stride)

    def extra_repr(self) -> str:
        return f'size={self.size}, stride={self.stride}, padding={self.padding}'


@MODELS.register_module()
class DarknetTiny(BaseModule):
    """The darknet-tiny backbone of YOLOv3-tiny: seven 3x3 conv-BN-leaky layers, a max-pool
    after each of the first six (stride 2 five times, then the ``size=2 stride=1`` one).

    ``convs[i]`` is cfg layer ``2 * i``; the pools are cfg layers 1, 3, ..., 11. Features are
    returned after the convs in ``out_indices`` (before their pool): the default (4, 6) gives cfg
    layer 8 (256 channels, stride 16) and layer 12 (1024 channels, stride 32).

    Args:
        channels (Sequence[int]): Output channels of the convs. Defaults to
            (16, 32, 64, 128, 256, 512, 1024).
        pool_strides (Sequence[int]): Stride of the pool after each conv but the last.
            Defaults to (2, 2, 2, 2, 2, 1).
        out_indices (Sequence[int]): Convs whose outputs are returned. Defaults to (4, 6).
        in_channels (int): Input channels. Defaults to 3.
        norm_cfg (dict): Normalisation. Defaults to BN with darknet's eps 1e-6.
        act_cfg (dict): Activation. Defaults to LeakyReLU(0.1).
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 channels: Sequence[int] = (16, 32, 64, 128, 256, 512, 1024),
                 pool_strides: Sequence[int] = (2, 2, 2, 2, 2, 1),
                 out_indices: Sequence[int] = (4, 6),
                 in_channels: int = 3,
                 norm_cfg: dict = DARKNET_NORM_CFG,
                 act_cfg: dict = DARKNET_ACT_CFG,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(pool_strides) != len(channels) - 1:
            raise ValueError(f'DarknetTiny: {len(channels)} convs need {len(channels) - 1} pool '
                             f'strides, got {len(pool_strides)}')
        if not out_indices or any(not 0 <= i < len(channels) for i in out_indices):
            raise ValueError(f'DarknetTiny: out_indices {tuple(out_indices)} must name convs '
                             f'0..{len(channels) - 1}')
        self.out_indices = tuple(out_indices)
        self.convs = nn.ModuleList()
        for out in channels:
            self.convs.append(ConvModule(in_channels, out, 3, padding=1, norm_cfg=norm_cfg,
                                         act_cfg=act_cfg))
            in_channels = out
        self.pools = nn.ModuleList(DarknetMaxPool2d(2, s) for s in pool_strides)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Run the convs and pools.

        Args:
            x (Tensor): RGB / 255, (N, 3, H, W) with H, W multiples of 32.

        Returns:
            tuple[Tensor]: The outputs of the convs in ``out_indices``.
        """
        outs, last = [], max(self.out_indices)
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i in self.out_indices:
                outs.append(x)
            if i == last:
                break
            if i < len(self.pools):
                x = self.pools[i](x)
        return tuple(outs)


@MODELS.register_module()
class YOLOV3TinyNeck(BaseModule):
    """The YOLOv3-tiny neck: a 1x1 lateral conv on the stride-32 features (cfg layer 13), and
    for the stride-16 level a 1x1 conv of that (layer 18), upsampled x2 (nearest, layer 19) and
    concatenated with the stride-16 backbone features (route -1, 8: upsampled first).

    Args:
        in_channels (Sequence[int]): Channels of the backbone outputs, fine to coarse.
            Defaults to (256, 1024).
        lateral_channels (int): Output channels of the lateral conv. Defaults to 256.
        up_channels (int): Output channels of the conv before upsampling. Defaults to 128.
        norm_cfg (dict): Normalisation. Defaults to BN with darknet's eps 1e-6.
        act_cfg (dict): Activation. Defaults to LeakyReLU(0.1).
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (256, 1024),
                 lateral_channels: int = 256,
                 up_channels: int = 128,
                 norm_cfg: dict = DARKNET_NORM_CFG,
                 act_cfg: dict = DARKNET_ACT_CFG,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        fine, coarse = in_channels
        self.conv_lateral = ConvModule(coarse, lateral_channels, 1, norm_cfg=norm_cfg,
                                       act_cfg=act_cfg)
        self.conv_up = ConvModule(lateral_channels, up_channels, 1, norm_cfg=norm_cfg,
                                  act_cfg=act_cfg)
        #: Channels of the two outputs (stride 32, stride 16): the head's ``in_channels``.
        self.out_channels = (lateral_channels, up_channels + fine)

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Build the two head inputs.

        Args:
            feats (Sequence[Tensor]): Backbone features (stride 16, stride 32).

        Returns:
            tuple[Tensor, Tensor]: Stride-32 then stride-16 features, as ``YOLOV3Head``
            expects (coarse first).
        """
        fine, coarse = feats
        lateral = self.conv_lateral(coarse)
        up = F.interpolate(self.conv_up(lateral), scale_factor=2, mode='nearest')
        return lateral, torch.cat((up, fine), dim=1)
