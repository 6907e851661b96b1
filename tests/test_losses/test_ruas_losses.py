"""RUAS losses: the configured SCI-form terms against the official RUAS LossFunction, and the
fidelity, TV and denoise terms on images whose values are known by hand."""
from pathlib import Path

import pytest
import torch
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
    assert abs(ours['loss_smooth'] / ruas_smooth_loss(x, t) - 1) < 0.015
    # fidelity, RUAS weight 0.5: an illumination 0.1 above the input everywhere -> 0.5 * 0.01
    fid = losses['loss_fid'](*[{'inputs': x, 'illumination': x + 0.1}[i]
                               for i in losses['loss_fid'].input_keys])
    assert fid.item() == pytest.approx(0.005, rel=1e-5)


def _ramp(n=2, c=3, h=4, w=6, step=0.1):
    """Images rising by ``step`` per column: squared differences step**2 across, 0 down."""
    return (torch.arange(w, dtype=torch.float64) * step).expand(n, c, h, w).clone()


def test_total_variation_known_values():
    # RUAS's TV: 2 * (sum of squared differences down / (C (H-1) W) + across / (C H (W-1))) / N
    assert total_variation(_ramp()).item() == pytest.approx(2 * 0.01)  # only across: 0.1**2
    step = torch.zeros(1, 2, 3, 5, dtype=torch.float64)
    step[:, :, 1:] = 0.5  # one step of 0.5 down, between rows 0 and 1, of 3 rows
    assert total_variation(step).item() == pytest.approx(2 * 0.25 / 2)
    assert total_variation(torch.full((2, 3, 4, 4), 0.3)).item() == 0
    assert torch.isfinite(total_variation(torch.rand(1, 3, 1, 1)))


def test_denoise_loss_known_values():
    denoised = _ramp()
    assert RUASDenoiseLoss().mse_weight == 1e-7  # published
    # TV 0.02 plus MSE to an image 0.1 brighter (0.01), weighted 1 and 1e-7
    assert RUASDenoiseLoss(mse_weight=1.0)(denoised, denoised + 0.1).item() == \
        pytest.approx(0.02 + 0.01)
    assert RUASDenoiseLoss()(denoised, denoised + 0.1).item() == pytest.approx(0.02 + 1e-9)
