"""DetectorStem over YOLOv3-tiny's darknet-tiny backbone: the features the detector computes."""
import pytest
import torch

from sdag_bench.registry import MODELS
from sdag_bench.sdag.extractors import IMAGENET_MEAN, IMAGENET_STD, DetectorStem

CHANNELS = (4, 8, 16, 32, 64, 128, 256)
# YOLOv3-tiny's preprocessing: RGB / 255 (mean 0, std 255), as in the project's detector configs
CONFIG = f"""
model = dict(
    type='YOLOV3',
    data_preprocessor=dict(type='DetDataPreprocessor', mean=[0, 0, 0], std=[255., 255., 255.],
                           bgr_to_rgb=True, pad_size_divisor=32),
    backbone=dict(type='DarknetTiny', channels={CHANNELS}, out_indices=(4, 6)))
"""


@pytest.fixture(scope='module')
def darknet(tmp_path_factory):
    """(config path, checkpoint path, backbone) of a random darknet-tiny with random BN stats."""
    folder = tmp_path_factory.mktemp('darknet')
    config = folder / 'yolov3_tiny_small.py'
    config.write_text(CONFIG)
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='DarknetTiny', channels=CHANNELS, out_indices=(4, 6)))
    for module in backbone.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    backbone.eval()
    checkpoint = folder / 'yolov3_tiny_small.pth'
    state = {f'backbone.{k}': v for k, v in backbone.state_dict().items()}
    state['bbox_head.convs_pred.0.weight'] = torch.zeros(1)  # other keys are ignored
    torch.save(state, checkpoint)
    return str(config), str(checkpoint), backbone


@pytest.mark.parametrize('num_stages', [0, 1, 2])
def test_features_are_the_detectors_own(darknet, num_stages):
    """The stem's features on an ImageNet-normalised image equal the darknet conv output the
    detector computes on the same image as RGB / 255 (cut after ``num_stages`` pool+conv)."""
    config, checkpoint, backbone = darknet
    stem = DetectorStem(config, checkpoint, num_stages=num_stages)
    assert stem.out_channels == CHANNELS[num_stages]
    image = torch.rand(2, 3, 64, 96)
    normalised = (image - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / \
        torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    backbone.out_indices = (num_stages, )
    with torch.no_grad():
        (expected, ) = backbone(image)  # RGB / 255 = the image in [0, 1]
        got = stem(normalised)
    assert got.shape == (2, CHANNELS[num_stages], 64 // 2**num_stages, 96 // 2**num_stages)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    assert not any(p.requires_grad for p in stem.parameters())


def test_too_many_stages_is_an_error(darknet):
    config, checkpoint, _ = darknet
    with pytest.raises(ValueError, match='DarknetTiny has 6 stages'):
        DetectorStem(config, checkpoint, num_stages=7)
