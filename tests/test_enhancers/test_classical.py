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


def test_clahe_brightens_and_keeps_order():
    x = _dark_gradient()
    out = CLAHE(clip_limit=4.0)(x)
    assert out.mean() > x.mean()


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
