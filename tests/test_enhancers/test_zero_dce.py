"""Zero-DCE and Zero-DCE++ modules and their key maps (no third-party files needed)."""
import re

import pytest
import torch

from sdag_bench.utils.checkpoint import load_state_dict_strict
from sdag_bench.enhancers.zero_dce import (ZeroDCE, ZeroDCEPP, apply_curves, convert_zero_dce,
                                           convert_zero_dce_pp)


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


def _to_official(state, depthwise=False):
    """Rename our keys back to the official layout (the inverse of the key map)."""
    def name(key):
        key = re.sub(r'^net\.convs\.(\d)\.', lambda m: f'e_conv{int(m.group(1)) + 1}.', key)
        return key.replace('.depthwise.', '.depth_conv.').replace('.pointwise.', '.point_conv.')
    return {name(k): v for k, v in state.items()}


def test_key_maps_round_trip():
    for cls, convert in ((ZeroDCE, convert_zero_dce), (ZeroDCEPP, convert_zero_dce_pp)):
        source = cls()
        official = _to_official(source.state_dict())
        assert all(k.startswith('e_conv') for k in official)
        target = cls()
        load_state_dict_strict(target, convert(official), 'official')
        x = torch.rand(1, 3, 8, 8)
        torch.testing.assert_close(target(x), source(x))
