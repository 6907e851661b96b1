"""Frozen extractors: VGGSlice weight layouts, DetectorStem on mmdet detectors."""
import os.path as osp

import pytest
import torch

from sdag_bench.utils.checkpoint import CheckpointError
from sdag_bench.registry import MODELS
from sdag_bench.sdag.extractors import IMAGENET_MEAN, IMAGENET_STD, DetectorStem, VGGSlice
from sdag_bench.sdag.semantic_aware_net import SemanticAwareNet

PROJECT_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

RETINANET_CFG = """
model = dict(
    type='RetinaNet',
    data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32),
    backbone=dict(type='ResNet', depth=18, base_channels=8, num_stages=4, out_indices=(0, 1, 2, 3),
                  norm_cfg=dict(type='BN', requires_grad=True), norm_eval=True, style='pytorch',
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(type='FPN', in_channels=[16, 32, 64], out_channels=16, start_level=0,
              add_extra_convs='on_input', num_outs=3),
    bbox_head=dict(type='RetinaHead', num_classes=2, in_channels=16, stacked_convs=1,
                   feat_channels=16,
                   anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                                         scales_per_octave=1, ratios=[1.0], strides=[8, 16, 32]),
                   bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],
                                   target_stds=[1.0, 1.0, 1.0, 1.0]),
                   loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                                 loss_weight=1.0),
                   loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                                 min_pos_iou=0, ignore_iof_thr=-1),
                   sampler=dict(type='PseudoSampler'), allowed_border=-1, pos_weight=-1,
                   debug=False),
    test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.05,
                  nms=dict(type='nms', iou_threshold=0.5), max_per_img=10))
"""

CSP_CFG = """
model = dict(
    type='YOLOX',
    data_preprocessor=dict(type='DetDataPreprocessor', mean=[10.0, 20.0, 30.0],
                           std=[50.0, 60.0, 70.0], bgr_to_rgb=False),
    backbone=dict(type='CSPDarknet', deepen_factor=0.33, widen_factor=0.125,
                  out_indices=(2, 3, 4)))
"""


def _imagenet_normalise(x: torch.Tensor) -> torch.Tensor:
    return (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / \
        torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


@pytest.fixture(scope='module')
def retinanet(tmp_path_factory):
    """A small random mmdet RetinaNet: (config path, checkpoint path, detector)."""
    from mmengine.config import Config
    folder = tmp_path_factory.mktemp('retinanet')
    cfg_path = folder / 'retinanet_tiny.py'
    cfg_path.write_text(RETINANET_CFG)
    cfg = Config.fromfile(str(cfg_path))
    model_cfg = cfg.model.copy()
    model_cfg['backbone'] = dict(model_cfg['backbone'], init_cfg=None)
    torch.manual_seed(0)
    detector = MODELS.build(model_cfg)
    for module in detector.modules():  # non-trivial BN statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    ckpt = folder / 'retinanet_tiny.pth'
    torch.save({'state_dict': detector.state_dict(), 'meta': {}}, ckpt)
    return str(cfg_path), str(ckpt), detector.eval()


def test_vgg_slice_layouts(tmp_path):
    torch.manual_seed(0)
    ref = VGGSlice()
    tv = {'features.0.weight': ref.layers[0].weight, 'features.0.bias': ref.layers[0].bias,
          'features.2.weight': ref.layers[2].weight, 'features.2.bias': ref.layers[2].bias,
          'features.5.weight': torch.zeros(128, 64, 3, 3), 'classifier.0.bias': torch.zeros(9)}
    path = tmp_path / 'vgg16.pth'
    torch.save(tv, path)
    vgg = VGGSlice(checkpoint=str(path))
    x = torch.randn(1, 3, 9, 9)
    torch.testing.assert_close(vgg(x), ref(x), rtol=0, atol=0)
    assert vgg(x).min() < 0  # no ReLU after conv1_2
    assert not any(p.requires_grad for p in vgg.parameters())
    vgg.train()
    assert not vgg.training
    torch.save({'foo.weight': torch.zeros(1)}, tmp_path / 'bad.pth')
    with pytest.raises(CheckpointError, match='no VGG16'):
        VGGSlice(checkpoint=str(tmp_path / 'bad.pth'))


@pytest.mark.assets
def test_vgg_slice_from_official_file(shared_assets):
    path = shared_assets / 'zheng980629+SDAG' / 'SemanticAwareRecon.pth'
    vgg = VGGSlice(checkpoint=str(path), checkpoint_key='params')
    official = torch.load(path, weights_only=True)['params']
    torch.testing.assert_close(vgg.layers[2].weight, official['vgg_extractor.slice1.2.weight'])


def test_detector_stem_matches_detector_backbone(retinanet):
    cfg_path, ckpt, detector = retinanet
    stem = MODELS.build(dict(type='DetectorStem', config=cfg_path, checkpoint=ckpt, num_stages=1))
    assert stem.out_channels == 8 and not stem.select_output
    assert not any(p.requires_grad for p in stem.parameters())
    x = torch.rand(2, 3, 40, 56)
    with torch.no_grad():
        det_in = (x * 255 - torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)) / \
            torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
        expected = detector.backbone(det_in)[0]  # layer1 output
        stem.train()  # must stay in eval: BN uses the detector's statistics
        got = stem(_imagenet_normalise(x))
    assert not stem.training
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    stem0 = DetectorStem(cfg_path, ckpt, num_stages=0)  # stem only
    assert stem0(_imagenet_normalise(x)).shape == (2, 8, 10, 14)


def test_semantic_aware_net_on_detector_stem(retinanet):
    cfg_path, ckpt, _ = retinanet
    net = SemanticAwareNet(extractor=dict(type='DetectorStem', config=cfg_path, checkpoint=ckpt,
                                          num_stages=2))
    assert net.blocks[0].split1 == 8  # 16 channels after layer2
    x = torch.rand(1, 3, 37, 45)
    out = net(x)
    assert out.shape == x.shape
    out.mean().backward()
    assert net.out_conv.weight.grad is not None
    assert all(p.grad is None for p in net.extractor.parameters())


def test_detector_stem_named_stages_and_bgr(tmp_path):
    """A backbone with a ``layers`` list (CSPDarknet) and a BGR detector."""
    cfg_path = tmp_path / 'yolox_tiny.py'
    cfg_path.write_text(CSP_CFG)
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=0.125,
                                 out_indices=(1, )))
    backbone.eval()
    ckpt = tmp_path / 'yolox_tiny.pth'
    torch.save({f'backbone.{k}': v for k, v in backbone.state_dict().items()}, ckpt)
    stem = DetectorStem(str(cfg_path), str(ckpt), num_stages=1)
    assert stem.flip_channels
    x = torch.rand(1, 3, 32, 32)
    det_in = (x.flip(1) * 255 - torch.tensor([10.0, 20.0, 30.0]).view(1, 3, 1, 1)) / \
        torch.tensor([50.0, 60.0, 70.0]).view(1, 3, 1, 1)
    with torch.no_grad():
        torch.testing.assert_close(stem(_imagenet_normalise(x)), backbone(det_in)[0],
                                   rtol=1e-4, atol=1e-4)


def test_detector_stem_errors(tmp_path, retinanet):
    cfg_path, _, _ = retinanet
    torch.save({'head.weight': torch.zeros(1)}, tmp_path / 'nobackbone.pth')
    with pytest.raises(CheckpointError, match='no backbone'):
        DetectorStem(cfg_path, str(tmp_path / 'nobackbone.pth'))
    (tmp_path / 'empty.py').write_text('x = 1\n')
    with pytest.raises(ValueError, match='model.backbone'):
        DetectorStem(str(tmp_path / 'empty.py'))


def test_demo_detector_stem():
    """The project's demo RetinaNet config with its committed checkpoint (both are project files:
    a missing one is a failure, not a skip)."""
    cfg = osp.join(PROJECT_ROOT, 'configs', 'detectors', 'demo_retinanet.py')
    ckpt = osp.join(PROJECT_ROOT, 'checkpoints', 'demo_retinanet.pth')
    stem = DetectorStem(cfg, ckpt, num_stages=1)
    trained = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    torch.testing.assert_close(stem.layers[0].weight, trained['backbone.conv1.weight'],
                               rtol=0, atol=0)
    assert not stem.flip_channels  # mmdet's RetinaNet base config converts BGR to RGB
    feats = stem(torch.zeros(1, 3, 64, 64))
    assert feats.shape == (1, stem.out_channels, 16, 16)
