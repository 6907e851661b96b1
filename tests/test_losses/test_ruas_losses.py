"""RUAS losses: the configured SCI-form terms against the official RUAS LossFunction, and the
denoise loss."""
from pathlib import Path

import torch
import torch.nn.functional as F
from mmengine.config import Config

from sdag_bench.losses import RUASDenoiseLoss, SCIFidelityLoss, SCISmoothingLoss
from sdag_bench.losses.ruas_losses import total_variation
from sdag_bench.registry import MODELS

from _official_losses import ruas_smooth_loss


def test_ruas_config_losses_match_official_within_documented_margin():
    cfg = Config.fromfile(str(Path(__file__).resolve().parents[2] / 'configs/enhancers/ruas.py'))
    losses = {k: MODELS.build(dict(v, _scope_='sdag_bench')) for k, v in cfg.model.losses.items()}
    assert isinstance(losses['loss_fid'], SCIFidelityLoss)
    assert isinstance(losses['loss_smooth'], SCISmoothingLoss)
    torch.manual_seed(0)
    x = torch.rand(1, 3, 24, 20) * 0.3
    t = (x + 0.4 * torch.rand_like(x)).clamp(0, 1)
    outputs = {'inputs': x, 'illumination': t}
    ours = {k: loss(*[outputs[i] for i in loss.input_keys]) for k, loss in losses.items()}
    torch.testing.assert_close(ours['loss_fid'], 0.5 * F.mse_loss(t, x))
    assert abs(ours['loss_smooth'] / ruas_smooth_loss(x, t) - 1) < 0.015


def test_denoise_loss():
    torch.manual_seed(0)
    u = torch.rand(2, 3, 10, 12)
    denoised = u * 0.9
    n, c, h, w = u.shape
    tv = 2 * ((denoised[:, :, 1:] - denoised[:, :, :-1]).pow(2).sum() / (c * (h - 1) * w) +
              (denoised[..., 1:] - denoised[..., :-1]).pow(2).sum() / (c * h * (w - 1))) / n
    torch.testing.assert_close(total_variation(denoised), tv)
    torch.testing.assert_close(RUASDenoiseLoss()(denoised, u),
                               tv + 1e-7 * F.mse_loss(denoised, u))
    assert torch.isfinite(total_variation(torch.rand(1, 3, 1, 1)))
