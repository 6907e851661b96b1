"""Classical baselines: HistEq, CLAHE, MSRCP (Identity and Gamma are in the contract test)."""
import cv2
import numpy as np
import torch

from sdag_bench.enhancers import CLAHE, MSRCP, HistEq
from sdag_bench.enhancers.classical import gaussian_blur


def _dark_gradient() -> torch.Tensor:
    ramp = torch.linspace(0.02, 0.2, 64)
    img = torch.stack([ramp.view(1, -1).expand(48, -1), ramp.view(-1, 1)[:48].expand(-1, 64),
                       torch.full((48, 64), 0.05)])
    return img[None]


def test_histeq_matches_opencv_on_luma():
    x = _dark_gradient()
    out = HistEq()(x)
    img = (x[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    ycrcb = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 0] = cv2.equalizeHist(ycrcb[..., 0])
    expected = cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)
    got = (out[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(got, expected)
    assert out.mean() > 2 * x.mean()


def _clahe_one_tile(lum: np.ndarray, clip_limit: float) -> np.ndarray:
    """Contrast-limited equalisation of a whole uint8 channel (one tile), written out from the
    algorithm: clip the histogram at ``clip_limit * pixels / 256``, spread the excess evenly
    (the remainder one count per step from bin 0), map by the cumulative histogram."""
    total = lum.size
    hist = np.bincount(lum.ravel(), minlength=256).astype(np.int64)
    limit = max(int(clip_limit * total / 256), 1)
    excess = int(np.maximum(hist - limit, 0).sum())
    hist = np.minimum(hist, limit) + excess // 256
    residual = excess % 256
    if residual:
        step = max(256 // residual, 1)
        for i in range(0, 256, step):
            if residual == 0:
                break
            hist[i] += 1
            residual -= 1
    lut = np.clip(np.rint(np.cumsum(hist) * 255.0 / total), 0, 255).astype(np.uint8)
    return lut[lum]


def test_clahe_equalises_lab_lightness_with_the_clip_limit():
    """One tile: the output is the input with its CIELAB L replaced by the contrast-limited
    equalisation above (colour conversions by OpenCV, the equalisation by hand)."""
    rng = np.random.default_rng(0)
    x = _dark_gradient() * torch.from_numpy(rng.uniform(0.6, 1.4, (1, 1, 48, 64))).float()
    img = (x[0].permute(1, 2, 0).numpy().clip(0, 1) * 255).round().astype(np.uint8)
    lab = cv2.cvtColor(img, cv2.COLOR_RGB2LAB)
    for clip_limit in (2.0, 40.0):
        lab_eq = lab.copy()
        lab_eq[..., 0] = _clahe_one_tile(lab[..., 0], clip_limit)
        expected = cv2.cvtColor(lab_eq, cv2.COLOR_LAB2RGB)
        out = CLAHE(clip_limit=clip_limit, tile_grid_size=(1, 1))(x)
        got = (out[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(_clahe_one_tile(lab[..., 0], 2.0), _clahe_one_tile(lab[..., 0], 40.))


def test_gaussian_blur_keeps_constants_and_mass():
    x = torch.full((1, 1, 40, 50), 0.3)
    torch.testing.assert_close(gaussian_blur(x, 80.0), x)
    impulse = torch.zeros(1, 1, 41, 41)
    impulse[..., 20, 20] = 1
    blurred = gaussian_blur(impulse, 2.0)
    assert abs(blurred.sum().item() - 1) < 1e-4 and blurred[..., 20, 20] < 0.1


def test_msrcp_brightens_dark_images_and_keeps_hue():
    x = _dark_gradient()
    out = MSRCP()(x)
    assert out.mean() > 2 * x.mean()
    # one gain per pixel: channel ratios are kept wherever nothing is zero
    ratio_in, ratio_out = x[:, 0] / x[:, 2], out[:, 0] / out[:, 2].clamp_min(1e-6)
    mask = out[:, 2] > 0.01
    torch.testing.assert_close(ratio_out[mask], ratio_in[mask], rtol=1e-3, atol=1e-3)


def test_msrcp_leaves_flat_images():
    x = torch.full((1, 3, 10, 10), 0.7)
    torch.testing.assert_close(MSRCP()(x), x)
