"""RetinaFace with a MobileNet-0.25 backbone (WIDER FACE), as a frozen mmdet detector.

The light RetinaFace of Deng et al. (CVPR 2020) as released with official WIDER FACE weights
(``mobilenet0.25_Final.pth``) by biubug6's Face-Detector-1MB-with-landmark: a MobileNetV1 at
width 0.25 (three stages, strides 8/16/32), a three-level FPN, one SSH context module per level
and 1x1 class / box / landmark heads with two square anchors per location
(``min_sizes`` 10, 20 | 32, 64 | 128, 256). Boxes are decoded SSD-style (variances 0.1, 0.2),
thresholded at 0.02, and suppressed with NMS at IoU 0.4 (areas with the +1 pixel convention).

Input: BGR pixels minus (104, 117, 123), no scaling. In a config this is an mmdet
``DetDataPreprocessor(mean=[104, 117, 123], std=[1, 1, 1], bgr_to_rgb=False)``, so the
benchmark can put an enhancer in front of it. The detector is frozen: ``loss`` is refused.
Official weights load through :data:`RETINAFACE_KEY_MAP` (see :func:`convert_retinaface`).
"""
import math
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import nms
from mmdet.models.detectors import BaseDetector
from mmdet.structures import DetDataSample
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor, nn

from sdag_bench.enhancers.key_maps import rename_keys
from sdag_bench.registry import MODELS
from .declared_classes import DeclaredClassesMixin


def conv_bn(in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
            groups: int = 1, relu: bool = True) -> List[nn.Module]:
    """Conv (no bias) + BatchNorm (+ ReLU), as a list of layers."""
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2,
                        groups=groups, bias=False),
              nn.BatchNorm2d(out_channels)]
    return layers + [nn.ReLU(inplace=True)] if relu else layers


def depthwise_separable(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """MobileNetV1 block: 3x3 depthwise conv-BN-ReLU, then 1x1 pointwise conv-BN-ReLU."""
    return nn.Sequential(*conv_bn(in_channels, in_channels, 3, stride, groups=in_channels),
                         *conv_bn(in_channels, out_channels, 1))


@MODELS.register_module()
class MobileNetV1x025(nn.Module):
    """MobileNetV1 at width 0.25, returning the outputs of its three stages (64/128/256 ch)."""

    def __init__(self) -> None:
        super().__init__()
        stage1 = [nn.Sequential(*conv_bn(3, 8, 3, 2))]
        for cin, cout, stride in ((8, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1)):
            stage1.append(depthwise_separable(cin, cout, stride))
        self.stage1 = nn.Sequential(*stage1)
        self.stage2 = nn.Sequential(depthwise_separable(64, 128, 2),
                                    *[depthwise_separable(128, 128, 1) for _ in range(5)])
        self.stage3 = nn.Sequential(depthwise_separable(128, 256, 2),
                                    depthwise_separable(256, 256, 1))

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        c3 = self.stage1(x)
        c4 = self.stage2(c3)
        return c3, c4, self.stage3(c4)


class RetinaFaceFPN(nn.Module):
    """Top-down FPN: 1x1 laterals, nearest upsampling, a 3x3 conv after each merge."""

    def __init__(self, in_channels: Sequence[int] = (64, 128, 256), out_channels: int = 64):
        super().__init__()
        self.lateral = nn.ModuleList(
            nn.Sequential(*conv_bn(c, out_channels, 1)) for c in in_channels)
        self.merge = nn.ModuleList(
            nn.Sequential(*conv_bn(out_channels, out_channels)) for _ in in_channels[1:])

    def forward(self, feats: Sequence[Tensor]) -> List[Tensor]:
        outs = [lateral(f) for lateral, f in zip(self.lateral, feats)]
        for level in range(len(outs) - 2, -1, -1):  # coarse to fine
            up = F.interpolate(outs[level + 1], size=outs[level].shape[-2:], mode='nearest')
            outs[level] = self.merge[level](outs[level] + up)
        return outs


class SSH(nn.Module):
    """Single Stage Headless context module: 3x3, "5x5" and "7x7" branches (stacked 3x3 convs)
    concatenated (1/2, 1/4, 1/4 of the channels), then ReLU."""

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        self.conv3x3 = nn.Sequential(*conv_bn(channels, channels // 2, relu=False))
        self.conv5x5_1 = nn.Sequential(*conv_bn(channels, channels // 4))
        self.conv5x5_2 = nn.Sequential(*conv_bn(channels // 4, channels // 4, relu=False))
        self.conv7x7_1 = nn.Sequential(*conv_bn(channels // 4, channels // 4))
        self.conv7x7_2 = nn.Sequential(*conv_bn(channels // 4, channels // 4, relu=False))

    def forward(self, x: Tensor) -> Tensor:
        mid = self.conv5x5_1(x)
        out = torch.cat([self.conv3x3(x), self.conv5x5_2(mid),
                         self.conv7x7_2(self.conv7x7_1(mid))], dim=1)
        return F.relu(out)


def prior_boxes(feat_sizes: Sequence[Tuple[int, int]], strides: Sequence[int],
                min_sizes: Sequence[Sequence[int]], device=None) -> Tensor:
    """Square anchors ``(cx, cy, w, h)`` in pixels, ordered row, column, anchor size.

    Args:
        feat_sizes (Sequence[tuple[int, int]]): (H, W) of each level's feature map.
        strides (Sequence[int]): Stride of each level.
        min_sizes (Sequence[Sequence[int]]): Anchor sides of each level.
        device (torch.device, optional): Where to create them.

    Returns:
        Tensor: ``(num_priors, 4)``.
    """
    priors = []
    for (h, w), stride, sizes in zip(feat_sizes, strides, min_sizes):
        ys, xs = torch.meshgrid(torch.arange(h, device=device, dtype=torch.float32),
                                torch.arange(w, device=device, dtype=torch.float32),
                                indexing='ij')
        centers = torch.stack([(xs + 0.5) * stride, (ys + 0.5) * stride], dim=-1)  # h, w, 2
        centers = centers[:, :, None, :].expand(h, w, len(sizes), 2)
        sides = torch.tensor(sizes, device=device, dtype=torch.float32)
        sides = sides[None, None, :, None].expand(h, w, len(sizes), 2)
        priors.append(torch.cat([centers, sides], dim=-1).reshape(-1, 4))
    return torch.cat(priors)


def decode_boxes(deltas: Tensor, priors: Tensor,
                 variances: Sequence[float] = (0.1, 0.2)) -> Tensor:
    """SSD box decoding: ``(cx, cy, w, h)`` priors + deltas -> ``(x1, y1, x2, y2)``."""
    centers = priors[:, :2] + deltas[:, :2] * variances[0] * priors[:, 2:]
    sizes = priors[:, 2:] * torch.exp(deltas[:, 2:] * variances[1])
    return torch.cat([centers - sizes / 2, centers + sizes / 2], dim=1)


@MODELS.register_module()
class RetinaFaceMobileNet(DeclaredClassesMixin, BaseDetector):
    """RetinaFace-mnet0.25 face detector (one class, label 0, named ``face``), frozen.

    The official checkpoint loads as it is (``load_state_dict``, mmengine's
    ``load_checkpoint``, mmdet's ``init_detector``): its keys are renamed on the way in.

    Args:
        backbone (dict): The backbone config. Defaults to ``dict(type='MobileNetV1x025')``, the
            only one the heads fit.
        data_preprocessor (dict, optional): Usually ``DetDataPreprocessor`` with
            ``mean=[104, 117, 123]``, ``std=[1, 1, 1]``, ``bgr_to_rgb=False``.
        min_sizes (Sequence[Sequence[int]]): Anchor sides per level. Defaults to the official
            ``((10, 20), (32, 64), (128, 256))``.
        strides (Sequence[int]): Level strides. Defaults to (8, 16, 32).
        variances (Sequence[float]): Box-coding variances. Defaults to (0.1, 0.2).
        test_cfg (dict, optional): ``score_thr`` (0.02), ``nms_pre`` (5000), ``iou_threshold``
            (0.4), ``max_per_img`` (750) — the official test settings.
        init_cfg (dict, optional): mmengine init config.
    """

    declared_classes = ('face', )

    def __init__(self,
                 backbone: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 min_sizes: Sequence[Sequence[int]] = ((10, 20), (32, 64), (128, 256)),
                 strides: Sequence[int] = (8, 16, 32),
                 variances: Sequence[float] = (0.1, 0.2),
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if len(min_sizes) != len(strides) or len({len(s) for s in min_sizes}) != 1:
            raise ValueError(f'min_sizes {min_sizes} must give the same number of anchors for '
                             f'each of the {len(strides)} levels')
        self.min_sizes = tuple(tuple(s) for s in min_sizes)
        self.strides = tuple(strides)
        self.variances = tuple(variances)
        self.test_cfg = ConfigDict(score_thr=0.02, nms_pre=5000, iou_threshold=0.4,
                                   max_per_img=750)
        self.test_cfg.update(test_cfg or {})
        num_anchors, channels = len(self.min_sizes[0]), 64
        self.backbone = MODELS.build(backbone or dict(type='MobileNetV1x025'))
        self.neck = RetinaFaceFPN((64, 128, 256), channels)
        self.ssh = nn.ModuleList(SSH(channels) for _ in self.strides)
        self.cls_heads = nn.ModuleList(
            nn.Conv2d(channels, num_anchors * 2, 1) for _ in self.strides)
        self.reg_heads = nn.ModuleList(
            nn.Conv2d(channels, num_anchors * 4, 1) for _ in self.strides)
        self.landmark_heads = nn.ModuleList(
            nn.Conv2d(channels, num_anchors * 10, 1) for _ in self.strides)
        self._register_load_state_dict_pre_hook(_rename_official_keys)

    @staticmethod
    def convert_checkpoint(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
        """Official key names -> ours (our own names pass through unchanged)."""
        return convert_retinaface(state_dict)

    def extract_feat(self, batch_inputs: Tensor) -> List[Tensor]:
        """Backbone, FPN and SSH features of the three levels."""
        feats = self.neck(self.backbone(batch_inputs))
        return [ssh(f) for ssh, f in zip(self.ssh, feats)]

    @staticmethod
    def _flatten(outputs: List[Tensor], width: int) -> Tensor:
        # N x (A*width) x H x W per level -> N x (sum H*W*A) x width, anchors innermost
        return torch.cat([o.permute(0, 2, 3, 1).reshape(o.shape[0], -1, width)
                          for o in outputs], dim=1)

    def _forward(self, batch_inputs: Tensor,
                 batch_data_samples=None) -> Tuple[Tensor, Tensor, Tensor]:
        """Raw outputs: box deltas (N, P, 4), class logits (N, P, 2), landmarks (N, P, 10)."""
        feats = self.extract_feat(batch_inputs)
        return (self._flatten([h(f) for h, f in zip(self.reg_heads, feats)], 4),
                self._flatten([h(f) for h, f in zip(self.cls_heads, feats)], 2),
                self._flatten([h(f) for h, f in zip(self.landmark_heads, feats)], 10))

    def loss(self, batch_inputs: Tensor, batch_data_samples) -> dict:
        """Refused: the official weights are used frozen."""
        raise RuntimeError('RetinaFaceMobileNet is a frozen detector with official weights; '
                           'it has no training losses')

    def predict(self, batch_inputs: Tensor, batch_data_samples: List[DetDataSample],
                rescale: bool = True) -> List[DetDataSample]:
        """Detect faces.

        Args:
            batch_inputs (Tensor): Preprocessed images, N x 3 x H x W.
            batch_data_samples (list[DetDataSample]): With ``scale_factor`` in their metainfo.
            rescale (bool): Boxes in original image coordinates. Defaults to True.

        Returns:
            list[DetDataSample]: The samples with ``pred_instances`` (``bboxes`` x1y1x2y2,
            ``scores``, ``labels`` all 0), sorted by score.
        """
        deltas, logits, _ = self._forward(batch_inputs)
        scores = logits.softmax(dim=-1)[..., 1]
        height, width = batch_inputs.shape[-2:]
        sizes = [(math.ceil(height / s), math.ceil(width / s)) for s in self.strides]
        priors = prior_boxes(sizes, self.strides, self.min_sizes, batch_inputs.device)
        results = []
        for i, sample in enumerate(batch_data_samples):
            instances = self._postprocess(decode_boxes(deltas[i], priors, self.variances),
                                          scores[i])
            if rescale and 'scale_factor' in sample.metainfo:
                instances.bboxes = instances.bboxes / instances.bboxes.new_tensor(
                    sample.metainfo['scale_factor']).repeat(2)
            results.append(instances)
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _postprocess(self, boxes: Tensor, scores: Tensor) -> InstanceData:
        cfg = self.test_cfg
        keep = scores > cfg.score_thr
        boxes, scores = boxes[keep], scores[keep]
        if scores.numel() > cfg.nms_pre:
            scores, order = scores.topk(cfg.nms_pre)
            boxes = boxes[order]
        if scores.numel():
            dets, _ = nms(boxes, scores, cfg.iou_threshold, offset=1)
            dets = dets[:cfg.max_per_img]
            boxes, scores = dets[:, :4], dets[:, 4]
        instances = InstanceData()
        instances.bboxes = boxes
        instances.scores = scores
        instances.labels = torch.zeros_like(scores, dtype=torch.long)
        return instances


def _rename_official_keys(state_dict: dict, prefix: str, *args) -> None:
    """Load-state-dict pre-hook: official key names under ``prefix`` become ours."""
    own = {k[len(prefix):]: k for k in state_dict if k.startswith(prefix)}
    renamed = convert_retinaface({k: None for k in own})
    for new, old in zip(renamed, own):
        if new != old:
            state_dict[prefix + new] = state_dict.pop(own[old])


def _ssh_branch(match) -> str:
    names = {'conv3X3': 'conv3x3', 'conv5X5_1': 'conv5x5_1', 'conv5X5_2': 'conv5x5_2',
             'conv7X7_2': 'conv7x7_1', 'conv7x7_3': 'conv7x7_2'}
    return f'ssh.{int(match.group(1)) - 1}.{names[match.group(2)]}.'


#: Official (biubug6) parameter names -> :class:`RetinaFaceMobileNet`'s.
RETINAFACE_KEY_MAP = (
    (r'^body\.', 'backbone.'),
    (r'^fpn\.output(\d)\.', lambda m: f'neck.lateral.{int(m.group(1)) - 1}.'),
    (r'^fpn\.merge(\d)\.', lambda m: f'neck.merge.{int(m.group(1)) - 1}.'),
    (r'^ssh(\d)\.(conv3X3|conv5X5_1|conv5X5_2|conv7X7_2|conv7x7_3)\.', _ssh_branch),
    (r'^ClassHead\.(\d)\.conv1x1\.', r'cls_heads.\1.'),
    (r'^BboxHead\.(\d)\.conv1x1\.', r'reg_heads.\1.'),
    (r'^LandmarkHead\.(\d)\.conv1x1\.', r'landmark_heads.\1.'),
)


def convert_retinaface(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Rename an official RetinaFace-mnet0.25 state dict to ours (see the key map)."""
    return rename_keys(state_dict, RETINAFACE_KEY_MAP)
