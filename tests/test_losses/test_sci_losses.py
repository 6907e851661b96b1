"""SCI losses against the official loss.py."""
import pytest
import torch
import torch.nn.functional as F

from sdag_bench.losses import SCIFidelityLoss, SCISmoothingLoss
from sdag_bench.losses.sci_losses import edge_aware_smoothness, rgb_to_ycbcr

from _official_losses import official_ycbcr, per_pixel_ycbcr, sci_smooth_loss


@pytest.fixture
def pair():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 20, 24) * 0.3
    return x, (x + 0.3 * torch.rand_like(x)).clamp(0, 1)


def test_ycbcr_per_pixel():
    x = torch.rand(2, 3, 5, 7)
    torch.testing.assert_close(rgb_to_ycbcr(x), per_pixel_ycbcr(x))


def test_smoothing_matches_official_formula(pair):
    x, illu = pair
    torch.testing.assert_close(edge_aware_smoothness(x, illu),
                               sci_smooth_loss(x, illu, ycbcr=per_pixel_ycbcr))
    # the official channel mix-up in rgb2yCbCr changes the term by under 1.5 %
    official = sci_smooth_loss(x, illu, ycbcr=official_ycbcr)
    assert abs(edge_aware_smoothness(x, illu) / official - 1) < 0.015


def test_stages_are_summed(pair):
    x, illu = pair
    stage_inputs, illus = torch.stack([x, x * 0.5], 1), torch.stack([illu, illu * 0.9], 1)
    expected_fid = 1.5 * (F.mse_loss(illu, x) + F.mse_loss(illu * 0.9, x * 0.5))
    torch.testing.assert_close(SCIFidelityLoss()(stage_inputs, illus), expected_fid)
    expected_smooth = (sci_smooth_loss(x, illu, per_pixel_ycbcr) +
                       sci_smooth_loss(x * 0.5, illu * 0.9, per_pixel_ycbcr))
    torch.testing.assert_close(SCISmoothingLoss()(stage_inputs, illus), expected_smooth)
    assert SCISmoothingLoss.input_keys == ('stage_inputs', 'illumination')


@pytest.mark.parametrize('size', [(1, 1), (2, 3), (1, 9)])
def test_tiny_images(size):
    x = torch.rand(1, 3, *size)
    value = SCISmoothingLoss()(x, x)
    assert torch.isfinite(value)


def test_bad_reduction():
    with pytest.raises(ValueError):
        SCISmoothingLoss(channel_reduction='max')
