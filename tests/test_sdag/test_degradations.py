"""Degradation factors: official definitions, parameter ranges, seeding, composition."""
import pytest
import torch
from mmengine.config import Config

from sdag_bench.registry import DEGRADATIONS, MODELS, TRANSFORMS
from sdag_runner_utils import PROJECT_ROOT
from sdag_bench.sdag.degradations import (BlurDegradation, ColourCastDegradation,
                                          ComposeDegradations, ExposureDegradation,
                                          GammaDegradation, GaussianNoiseDegradation,
                                          PoissonGaussianDegradation, build_degradation)

ALL_TYPES = ('GammaDegradation', 'GaussianNoiseDegradation', 'ExposureDegradation',
             'PoissonGaussianDegradation', 'ColourCastDegradation', 'BlurDegradation')


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _images(n: int = 4, size: int = 32) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=_gen(123)) * 0.8 + 0.1


def test_official_gamma_is_exact():
    x = _images()
    torch.testing.assert_close(GammaDegradation()(x), x**(1 / 0.3), rtol=0, atol=0)


def test_official_gaussian_noise_sigma_and_no_clipping():
    x = torch.full((2, 3, 128, 128), 0.02)
    out = GaussianNoiseDegradation()(x, _gen(0))
    noise = out - x
    assert abs(noise.std().item() - 50 / 255) < 0.005 and abs(noise.mean().item()) < 0.005
    assert out.min() < 0  # the official factor does not clip
    assert GaussianNoiseDegradation(clip=True)(x, _gen(0)).min() >= 0


@pytest.mark.parametrize('type_name', ALL_TYPES)
def test_seeded_shape_and_registered(type_name):
    factor = build_degradation(dict(type=type_name))
    x = _images()
    a, b = factor(x, _gen(7)), factor(x, _gen(7))
    assert a.shape == x.shape and a.dtype == x.dtype and torch.isfinite(a).all()
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, x)
    if type_name != 'GammaDegradation':  # the official gamma is deterministic
        assert not torch.equal(a, factor(x, _gen(8)))
    assert DEGRADATIONS.get(type_name) is type(factor)


@pytest.mark.parametrize('type_name', ALL_TYPES + ('ComposeDegradations', ))
def test_degradations_are_not_data_pipeline_transforms(type_name):
    assert DEGRADATIONS.get(type_name) is not None
    assert TRANSFORMS.get(type_name) is None  # batch operations inside a model, not a pipeline


def test_config_built_pretrain_model_builds_its_degradations():
    cfg = Config.fromfile(str(PROJECT_ROOT / 'configs/sdag/sdag_pretrain_lowlight.py'))
    cfg.model.net = dict(type='SemanticAwareNet')  # no VGG16 file needed to build the factors
    model = MODELS.build(cfg.model)
    assert [type(f).__name__ for f in model.degradations] == [
        d['type'] for d in cfg.model.degradations]
    assert [f.name for f in model.degradations] == [
        'gamma', 'noise', 'exposure', 'poisson_gaussian', 'colour_cast', 'blur']


def test_exposure_scale_per_image_within_range():
    x = _images(8)
    out = ExposureDegradation(scale_range=(0.1, 0.3))(x, _gen(1))
    ratio = (out / x).flatten(1)
    assert torch.allclose(ratio.min(1).values, ratio.max(1).values, atol=1e-5)  # one k per image
    assert ratio.min() >= 0.1 - 1e-6 and ratio.max() <= 0.3 + 1e-6
    assert ratio[:, 0].std() > 0.01  # drawn per image


def test_poisson_gaussian_variance_grows_with_shot_and_read_noise():
    x = torch.full((1, 3, 96, 96), 0.3)

    def var(shot, read):
        return PoissonGaussianDegradation(shot_range=(shot, shot),
                                          read_range=(read, read))(x, _gen(2)).var().item()

    assert var(0.002, 0.01) < var(0.02, 0.01) < var(0.02, 0.05)
    out = PoissonGaussianDegradation()(x, _gen(2))
    assert out.min() >= 0 and out.max() <= 1 and abs(out.mean().item() - 0.3) < 0.01


def test_colour_cast_changes_channel_balance_not_mean_gain():
    x = torch.full((4, 3, 8, 8), 0.5)
    out = ColourCastDegradation(gain_range=(0.5, 1.5))(x, _gen(3))
    means = out.mean((2, 3))
    assert (means.max(1).values - means.min(1).values).min() > 0.01
    torch.testing.assert_close(means.mean(1), torch.full((4, ), 0.5), atol=1e-5, rtol=0)


def test_blur_keeps_constant_images_and_removes_high_frequencies():
    flat = torch.full((2, 3, 16, 16), 0.4)
    torch.testing.assert_close(BlurDegradation()(flat, _gen(4)), flat)
    checker = ((torch.arange(16).view(-1, 1) + torch.arange(16)) % 2).float().expand(2, 3, 16, 16)
    blurred = BlurDegradation(sigma_range=(1.0, 1.5))(checker, _gen(4))
    assert blurred.std() < 0.2 * checker.std()
    assert BlurDegradation()(torch.rand(1, 3, 3, 2), _gen(4)).shape == (1, 3, 3, 2)  # tiny input


def test_compose_applies_in_order():
    x = _images()
    composed = ComposeDegradations([dict(type='ExposureDegradation', scale_range=(0.5, 0.5)),
                                    GammaDegradation(exponent_range=(2.0, 2.0))])
    assert composed.name == 'exposure+gamma'
    torch.testing.assert_close(composed(x), (x * 0.5)**2)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='sigma_range'):
        GaussianNoiseDegradation(sigma_range=(0.2, 0.1))
    with pytest.raises(ValueError, match='expects'):
        GammaDegradation()(torch.rand(3, 8, 8))
    with pytest.raises(KeyError, match='RandomFlip is not in the sdag_bench::degradation registry'):
        build_degradation(dict(type='RandomFlip', prob=0.5))  # a data-pipeline transform
