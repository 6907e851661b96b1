"""PSNR and SSIM on [0, 1] tensors."""
import math

import numpy as np
import pytest
import torch
from skimage import data as skimage_data
from skimage import metrics

from sdag_bench.metrics.full_reference import psnr, psnr_from_mse, ssim


def test_psnr_of_known_mse_is_exact():
    ref = torch.full((2, 3, 8, 8), 0.5)
    img = ref.clone()
    img[0] += 0.125  # dyadic values, exact in float32: MSE 1/64
    img[1, :, :4] += 0.25  # half the pixels off by 1/4: MSE 1/32
    out = psnr(img, ref)
    assert out[0].item() == pytest.approx(10 * math.log10(64), abs=1e-12)
    assert out[1].item() == pytest.approx(10 * math.log10(32), abs=1e-12)
    assert psnr_from_mse(0.01) == pytest.approx(20.0)
    assert torch.isinf(psnr(ref, ref)).all()


def test_psnr_on_y_channel():
    ref = torch.zeros(1, 3, 4, 4)
    img = ref.clone()
    img[:, 1] = 0.125  # only green differs: Y differs by 0.125 * 128.553 / 255
    expected = 20 * math.log10(1 / (0.125 * 128.553 / 255))
    assert psnr(img, ref, convert_to='y').item() == pytest.approx(expected, abs=1e-9)
    with pytest.raises(ValueError, match='rgb'):
        psnr(img, ref, convert_to='lab')


def test_ssim_identity_and_noise():
    gen = torch.Generator().manual_seed(0)
    img = torch.rand(1, 3, 64, 64, generator=gen)
    assert ssim(img, img).item() == pytest.approx(1.0, abs=1e-12)
    previous = 1.0
    for sigma in (0.02, 0.05, 0.1, 0.2):
        noisy = (img + sigma * torch.randn(img.shape, generator=gen)).clamp(0, 1)
        value = ssim(noisy, img).item()
        assert value < previous
        previous = value


@pytest.mark.parametrize('convert_to', ['rgb', 'y'])
def test_ssim_matches_scikit_image(convert_to):
    ref = skimage_data.astronaut()[:160, :200].astype(np.float64) / 255
    rng = np.random.default_rng(0)
    img = np.clip(ref + rng.normal(0, 0.05, ref.shape), 0, 1)
    kwargs = dict(data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    if convert_to == 'y':
        weights = np.array([65.481, 128.553, 24.966]) / 255
        expected = metrics.structural_similarity(img @ weights + 16 / 255,
                                                 ref @ weights + 16 / 255, **kwargs)
    else:
        expected = metrics.structural_similarity(img, ref, channel_axis=-1, **kwargs)
    ours = ssim(torch.from_numpy(img).permute(2, 0, 1), torch.from_numpy(ref).permute(2, 0, 1),
                convert_to=convert_to).item()
    assert ours == pytest.approx(expected, abs=1e-10)
    psnr_expected = metrics.peak_signal_noise_ratio(ref, img, data_range=1.0)
    ours_psnr = psnr(torch.from_numpy(img).permute(2, 0, 1), torch.from_numpy(ref).permute(2, 0, 1))
    assert ours_psnr.item() == pytest.approx(psnr_expected, abs=1e-9)


def test_shape_checks():
    with pytest.raises(ValueError, match='differ'):
        psnr(torch.rand(3, 8, 8), torch.rand(3, 8, 9))
    with pytest.raises(ValueError, match='at least 11x11'):
        ssim(torch.rand(3, 8, 8), torch.rand(3, 8, 8))
