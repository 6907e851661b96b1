"""Zero-DCE and Zero-DCE++ modules and their key maps (no third-party files needed)."""
from functools import partial

import pytest
import torch

from sdag_bench.utils.checkpoint import load_state_dict_strict
from sdag_bench.enhancers.zero_dce import (ZeroDCE, ZeroDCEPP, apply_curves, convert_zero_dce,
                                           convert_zero_dce_pp)
from _official_models import OfficialZeroDCE, OfficialZeroDCEPP, official_keys


def test_curve_extremes():
    x = torch.linspace(0, 1, 11).view(1, 1, 1, 11).expand(1, 3, 1, 11)
    torch.testing.assert_close(apply_curves(x, [torch.ones_like(x)]), x**2)
    torch.testing.assert_close(apply_curves(x, [-torch.ones_like(x)]), 2 * x - x**2)
    torch.testing.assert_close(apply_curves(x, [torch.zeros_like(x)] * 8), x)


def test_zero_dce_outputs():
    model = ZeroDCE()
    out = model.forward_train(torch.rand(2, 3, 9, 11))
    assert out['curves'].shape == (2, 24, 9, 11)
    assert out['curves'].abs().max() <= 1
    assert sum(p.numel() for p in model.parameters()) == 79416  # the paper's 79K


@pytest.mark.parametrize('size', [(24, 36), (25, 37), (5, 30), (1, 1)])
def test_zero_dce_pp_curve_map_matches_input_size(size):
    model = ZeroDCEPP(scale_factor=12)
    out = model.forward_train(torch.rand(1, 3, *size))
    assert out['curves'].shape == (1, 3, *size)
    assert sum(p.numel() for p in model.parameters()) == 10561  # the paper's 10K


def test_zero_dce_pp_rejects_bad_scale():
    with pytest.raises(ValueError):
        ZeroDCEPP(scale_factor=0)


@pytest.mark.parametrize('name, ours, official, size', [
    ('zerodce', ZeroDCE, OfficialZeroDCE, (20, 28)),
    ('zerodce_pp', partial(ZeroDCEPP, scale_factor=12), partial(OfficialZeroDCEPP, 12), (24, 36)),
    ('zerodce_pp', ZeroDCEPP, partial(OfficialZeroDCEPP, 1), (20, 28)),
], ids=['zerodce', 'zerodce_pp_scale12', 'zerodce_pp_scale1'])
def test_key_map_turns_the_official_network_into_ours(name, ours, official, size):
    """The official network (re-expressed from its model.py, random weights) has the released
    checkpoint's names and shapes; converted by our key map, our module computes its output."""
    torch.manual_seed(0)
    reference = official().eval()
    state = reference.state_dict()
    assert {k: list(v.shape) for k, v in state.items()} == official_keys(name)
    convert = convert_zero_dce if name == 'zerodce' else convert_zero_dce_pp
    model = ours().eval()
    load_state_dict_strict(model, convert(state), 'official')
    x = torch.rand(2, 3, *size)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x), rtol=0, atol=1e-6)
