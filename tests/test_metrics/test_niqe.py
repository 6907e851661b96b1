"""NIQE: pinned to BasicSR's outputs on real photos; a numpy port for the MATLAB building blocks."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from skimage import data as skimage_data

from sdag_bench.metrics.niqe import (half_size, load_niqe_params, niqe, niqe_features,
                                     rgb_to_niqe_luma)


def _load_reference():
    path = Path(__file__).with_name('niqe_reference.py')
    spec = importlib.util.spec_from_file_location('niqe_reference', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load_reference()


def _to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """uint8 H x W x 3 -> float 1 x 3 x H x W in [0, 1], as the enhancers produce."""
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255


def _reference_niqe(rgb: np.ndarray) -> float:
    return ref.niqe_reference(ref.rgb_to_y(rgb), *load_niqe_params())


def _textured(seed: int = 0, size=(200, 300)) -> np.ndarray:
    """A natural-looking RGB test image: smooth shapes, edges and fine texture, uint8."""
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    img = 90 + 60 * np.sin(xx / 17.) * np.cos(yy / 23.) + 40 * ((xx // 40 + yy // 30) % 2)
    img = img[..., None] + np.array([0., 15., -20.]) + rng.normal(0, 6, (h, w, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def test_params_are_the_matlab_model():
    mu, cov = load_niqe_params()
    assert mu.shape == (36,) and cov.shape == (36, 36)
    np.testing.assert_allclose(mu[:2], [2.6013, 0.9057], atol=1e-4)  # alpha, sigma at scale 1
    np.testing.assert_allclose(cov, cov.T, atol=1e-12)


def test_luma_is_exact_matlab_y():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    rgb[0, :3] = [[0, 0, 0], [255, 255, 255], [255, 0, 0]]
    ours = rgb_to_niqe_luma(_to_tensor(rgb))[0].numpy()
    np.testing.assert_array_equal(ours, ref.rgb_to_y(rgb))
    assert ours[0, 0] == 16 and ours[0, 1] == 235 and ours[0, 2] == 81  # 16 + 65.481


def test_half_size_is_matlab_imresize():
    img = torch.rand(2, 96, 144, dtype=torch.float64) * 255
    ours = half_size(img)
    for i in range(2):
        np.testing.assert_allclose(ours[i].numpy(), ref.matlab_imresize(img[i].numpy(), 0.5),
                                   atol=1e-9)


def test_matches_reference_on_synthetic_image_with_flat_areas():
    rgb = _textured(1, (230, 310))
    rgb[:100, :100] = 40  # a flat square: its blocks have no valid AGGD fit (NaN features)
    rgb[120:, 200:] = 255
    ours = niqe(_to_tensor(rgb)).item()
    assert np.isfinite(ours)
    assert ours == pytest.approx(_reference_niqe(rgb), abs=1e-6)
    feats = niqe_features(rgb_to_niqe_luma(_to_tensor(rgb)))
    assert torch.isnan(feats).any()  # the flat blocks are really exercised


def test_batch_equals_single_images():
    imgs = torch.cat([_to_tensor(_textured(s)) for s in range(3)])
    batched = niqe(imgs)
    single = torch.stack([niqe(img) for img in imgs]).flatten()
    torch.testing.assert_close(batched, single, rtol=0, atol=1e-10)
    assert niqe(imgs[0]).shape == (1, )  # C x H x W accepted


def test_niqe_rises_with_noise_and_blur():
    clean = torch.from_numpy(skimage_data.astronaut()).permute(2, 0, 1)[None].float() / 255
    gen = torch.Generator().manual_seed(0)
    noisy = (clean + 0.1 * torch.randn(clean.shape, generator=gen)).clamp(0, 1)
    kernel = torch.ones(3, 1, 7, 7) / 49
    blurred = torch.nn.functional.conv2d(clean, kernel, padding=3, groups=3)
    scores = niqe(torch.cat([clean, noisy, blurred])).tolist()
    assert scores[0] < scores[1] - 1 and scores[0] < scores[2] - 1, scores


def test_flat_and_small_images():
    assert torch.isnan(niqe(torch.full((1, 3, 192, 192), 0.5)))  # no texture at all
    with pytest.raises(ValueError, match='at least 96x96'):
        niqe(torch.rand(1, 3, 95, 200))
    with pytest.raises(ValueError, match='1 or 3'):
        niqe(torch.rand(1, 2, 100, 100))


def test_thread_setting_is_restored():
    before = torch.get_num_threads()
    niqe(torch.rand(1, 3, 96, 96), num_threads=1)
    assert torch.get_num_threads() == before


#: BasicSR's ``calculate_niqe`` on 111 real photos (an implementation that is not ours).
BASICSR_NIQE = 'reference_outputs/niqe_basicsr.json'
#: Largest |ours - BasicSR| allowed on any photo: the two differ only in floating-point rounding
#: (float32 vs integer luma at .5 ties, rounding noise on flat blocks), see the niqe module
#: docstring.
BASICSR_NIQE_TOL = 0.005


#: The photos where ours and BasicSR differ most (|delta| 0.0048, 0.0043, 0.0027, 0.0015 of the
#: 111; the median is 9e-5): the fast tier checks these, the slow tier all 111.
WORST_CASE_PHOTOS = ('Li-Chongyi+Zero-DCE/test_data/LIME/7.bmp',
                     'Li-Chongyi+Zero-DCE/test_data/LIME/9.bmp',
                     'vis-opt-group+SCI/data/easy/0224.png',
                     'Li-Chongyi+Zero-DCE/test_data/DICM/53.jpg')


def _basicsr_differences(shared_assets, names=None) -> dict:
    """|ours - BasicSR's calculate_niqe| per photo (all 111, or ``names``)."""
    import cv2
    reference = json.loads((shared_assets / BASICSR_NIQE).read_text())['images']
    assert len(reference) == 111
    diffs = {}
    for rel in names or reference:
        entry = reference[rel]
        bgr = cv2.imread(str(shared_assets / rel), cv2.IMREAD_COLOR)  # as the reference read it
        assert bgr is not None and list(bgr.shape) == entry['shape'], rel
        ours = niqe(_to_tensor(np.ascontiguousarray(bgr[..., ::-1]))).item()
        diffs[rel] = abs(ours - entry['niqe'])
    return diffs


@pytest.mark.assets
def test_matches_basicsr_on_the_worst_case_real_photos(shared_assets):
    diffs = _basicsr_differences(shared_assets, WORST_CASE_PHOTOS)
    worst = max(diffs, key=diffs.get)
    assert diffs[worst] <= BASICSR_NIQE_TOL, (worst, diffs[worst])


@pytest.mark.assets
@pytest.mark.slow  # 111 photos; the worst cases are checked in the fast tier above
def test_matches_basicsr_on_111_real_photos(shared_assets):
    diffs = _basicsr_differences(shared_assets)
    worst = max(diffs, key=diffs.get)
    assert diffs[worst] <= BASICSR_NIQE_TOL, (worst, diffs[worst])
    assert np.median(list(diffs.values())) < 5e-4  # most photos agree far more closely


def test_nonfinite_image_gives_nan_without_spoiling_the_batch():
    imgs = torch.cat([_to_tensor(_textured(s)) for s in range(2)])
    clean = niqe(imgs)
    imgs[1, 0, 3, 3] = float('nan')
    out = niqe(imgs)
    assert out[0].item() == pytest.approx(clean[0].item(), abs=1e-12) and torch.isnan(out[1])
