import numpy as np
import pytest

from sdag_bench.transforms.low_light import (LowLightDegrade, low_light_degrade,
                                             sample_low_light_params)


def _scene(seed=0, size=64):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.stack([xx, yy, (xx + yy) / 2], -1) * 0.6 + 0.2
    img += rng.uniform(-0.05, 0.05, img.shape)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def test_same_seed_same_output_and_params():
    img = _scene()
    a, pa = low_light_degrade(img, seed=3)
    b, pb = low_light_degrade(img, seed=3)
    c, _ = low_light_degrade(img, seed=4)
    assert np.array_equal(a, b) and pa == pb
    assert not np.array_equal(a, c)
    assert set(pa) == {'gamma', 'exposure', 'red_gain', 'blue_gain', 'shot_noise', 'read_noise',
                       'ccm'}


def test_brightness_falls_with_exposure():
    img = _scene()
    means = []
    for k in (0.5, 0.2, 0.05, 0.01):
        out, params = low_light_degrade(img, seed=0, ranges=dict(exposure=(k, k),
                                                                 shot_noise=(1e-6, 1e-6),
                                                                 read_noise=(1e-6, 1e-6)))
        assert params['exposure'] == pytest.approx(k)
        means.append(out.mean())
    assert all(a > b for a, b in zip(means, means[1:])), means
    assert means[-1] < 0.5 * img.mean()


@pytest.mark.parametrize('which', ['shot_noise', 'read_noise'])
def test_noise_variance_grows(which):
    flat = np.full((96, 96, 3), 0.5, np.float32)  # no texture: all variance is noise
    fixed = dict(exposure=(0.1, 0.1), shot_noise=(1e-6, 1e-6), read_noise=(1e-6, 1e-6),
                 ccm_jitter=(0, 0))
    variances = []
    for level in (1e-4, 1e-3, 1e-2) if which == 'shot_noise' else (1e-3, 1e-2, 5e-2):
        ranges = dict(fixed, **{which: (level, level)})
        out, _ = low_light_degrade(flat, seed=1, ranges=ranges, bits=16)
        variances.append(out.var())
    assert variances[0] < variances[1] < variances[2], variances


def test_dtype_and_channel_handling():
    img = _scene()
    out_u8, _ = low_light_degrade(img, seed=0)
    assert out_u8.dtype == np.uint8 and out_u8.shape == img.shape
    out_f, _ = low_light_degrade(img.astype(np.float32) / 255, seed=0)
    assert out_f.dtype == np.float32 and 0 <= out_f.min() and out_f.max() <= 1
    # the same computation up to 8-bit rounding
    assert np.abs(out_f * 255 - out_u8).max() <= 1.0
    grey, _ = low_light_degrade(img[..., 0], seed=0)
    assert grey.shape == img.shape[:2] and grey.mean() < img[..., 0].mean()
    rgba = np.concatenate([img, np.full(img.shape[:2] + (1, ), 77, np.uint8)], -1)
    out_rgba, _ = low_light_degrade(rgba, seed=0)
    assert out_rgba.shape == rgba.shape
    assert (out_rgba[..., 3] == 77).all()  # alpha untouched
    assert np.array_equal(out_rgba[..., :3], out_u8)


@pytest.mark.parametrize('bad, error', [
    (np.zeros((8, 8, 2), np.uint8), 'shape'),
    (np.zeros((8, 8, 3), np.int32), 'dtype'),
    (np.full((8, 8, 3), 2.0, np.float32), r'\[0, 1\]'),
    (np.full((8, 8, 3), np.nan, np.float32), 'finite'),
])
def test_bad_inputs_refused_clearly(bad, error):
    with pytest.raises((ValueError, TypeError), match=error):
        low_light_degrade(bad, seed=0)


def test_bad_ranges_refused():
    with pytest.raises(KeyError, match='known'):
        sample_low_light_params(np.random.default_rng(0), dict(brightness=(0, 1)))
    with pytest.raises(ValueError, match='empty'):
        LowLightDegrade(ranges=dict(exposure=(0.5, 0.1)))


def test_transform_bgr_matches_function_and_is_seeded_per_sample():
    img = _scene()
    transform = LowLightDegrade(seed=5)
    r1 = transform(dict(img=img[..., ::-1].copy(), sample_idx=2))
    r2 = transform(dict(img=img[..., ::-1].copy(), sample_idx=2))
    r3 = transform(dict(img=img[..., ::-1].copy(), sample_idx=3))
    assert np.array_equal(r1['img'], r2['img']) and not np.array_equal(r1['img'], r3['img'])
    expected, params = low_light_degrade(img, seed=np.random.default_rng([5, 2]))
    assert np.array_equal(r1['img'], expected[..., ::-1])
    assert r1['low_light_params'] == params


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_isp_round_trip_returns_the_input_at_exposure_one_without_noise(seed):
    """Unprocessing then processing is the identity when nothing happens in between: exposure 1,
    no shot or read noise, a 16-bit sensor. Pins every inverse step (inverse gamma, ``inv(ccm)``,
    white-balance division) against its forward step, with a strongly coloured CCM."""
    img = _scene(seed)
    ranges = dict(exposure=(1, 1), shot_noise=(0, 0), read_noise=(0, 0), ccm_jitter=(0.15, 0.15))
    out, params = low_light_degrade(img, seed=seed, ranges=ranges, bits=16)
    ccm = np.asarray(params['ccm'])
    assert np.abs(ccm - np.eye(3)).max() > 0.05  # the CCM is far from the identity
    assert params['shot_noise'] == 0 and params['read_noise'] == 0
    np.testing.assert_array_equal(out, img)
    out_f, _ = low_light_degrade(img.astype(np.float32) / 255, seed=seed, ranges=ranges, bits=16)
    np.testing.assert_allclose(out_f, img / 255, atol=2e-4)
