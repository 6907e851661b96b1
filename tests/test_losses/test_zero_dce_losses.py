"""Zero-DCE losses against the official Myloss.py formulas."""
import pytest
import torch

from sdag_bench.losses import (ColorConstancyLoss, ExposureControlLoss,
                               IlluminationSmoothnessLoss, SpatialConsistencyLoss)
from sdag_bench.losses.zero_dce_losses import (color_constancy_loss, exposure_control_loss,
                                               illumination_smoothness_loss,
                                               spatial_consistency_loss)

from _official_losses import zero_dce_l_color, zero_dce_l_exp, zero_dce_l_spa, zero_dce_l_tv


@pytest.fixture
def images():
    torch.manual_seed(0)
    low = torch.rand(2, 3, 64, 48) * 0.2
    return low, (low * 3).clamp(0, 1) + 0.05 * torch.rand_like(low)


def test_functions_match_official(images):
    low, enhanced = images
    torch.testing.assert_close(spatial_consistency_loss(enhanced, low),
                               zero_dce_l_spa(low, enhanced))
    torch.testing.assert_close(exposure_control_loss(enhanced), zero_dce_l_exp(enhanced))
    torch.testing.assert_close(color_constancy_loss(enhanced), zero_dce_l_color(enhanced))
    curves = torch.rand(2, 24, 20, 30) * 2 - 1
    torch.testing.assert_close(illumination_smoothness_loss(curves), zero_dce_l_tv(curves))


def test_modules_apply_published_weights(images):
    low, enhanced = images
    curves = torch.rand(2, 24, 20, 30) * 2 - 1
    torch.testing.assert_close(SpatialConsistencyLoss()(enhanced, low),
                               zero_dce_l_spa(low, enhanced))
    torch.testing.assert_close(ExposureControlLoss()(enhanced), 10 * zero_dce_l_exp(enhanced))
    torch.testing.assert_close(ColorConstancyLoss()(enhanced), 5 * zero_dce_l_color(enhanced))
    torch.testing.assert_close(IlluminationSmoothnessLoss()(curves), 200 * zero_dce_l_tv(curves))
    assert SpatialConsistencyLoss.input_keys == ('enhanced', 'inputs')
    assert IlluminationSmoothnessLoss.input_keys == ('curves', )
    assert ExposureControlLoss(input_keys=('other', )).input_keys == ('other', )


def test_properties():
    grey = torch.full((1, 3, 32, 32), 0.6)
    assert exposure_control_loss(grey) < 1e-12 and color_constancy_loss(grey) == 0
    assert spatial_consistency_loss(grey, grey) == 0
    assert spatial_consistency_loss(grey, grey * 0.2) > 0  # region contrast at the borders
    assert illumination_smoothness_loss(torch.ones(1, 24, 8, 8)) == 0


@pytest.mark.parametrize('size', [(1, 1), (3, 2), (17, 5)])
def test_tiny_images_give_finite_losses(size):
    x = torch.rand(1, 3, *size)
    for value in (spatial_consistency_loss(x, x * 0.5), exposure_control_loss(x),
                  color_constancy_loss(x), illumination_smoothness_loss(x)):
        assert torch.isfinite(value)


def test_grey_image_in_the_batch_keeps_gradients_finite(images):
    """A grey photo (ExDark has many) makes the three channel means equal, where the official
    sqrt has an infinite derivative: the batch's gradients must stay finite, the value official,
    and the other image's gradient the one it has alone (the grey image's term is flat at 0)."""
    _, enhanced = images
    batch = torch.cat([enhanced[:1], enhanced[:1].mean(1, keepdim=True).expand(1, 3, 64, 48)])
    batch.requires_grad_(True)
    value = color_constancy_loss(batch)
    value.backward()
    torch.testing.assert_close(value, zero_dce_l_color(batch.detach()))
    assert torch.isfinite(batch.grad).all() and batch.grad[1].abs().max() == 0
    alone = enhanced[:1].clone().requires_grad_(True)
    (color_constancy_loss(alone) / 2).backward()  # the batch mean halves each image's share
    torch.testing.assert_close(batch.grad[0], alone.grad[0])
