"""RUAS module and key maps (no third-party files needed)."""
from functools import partial

import pytest
import torch

from sdag_bench.utils.checkpoint import load_state_dict_strict
from sdag_bench.enhancers.ruas import (RUAS, NoiseRemovalNet, build_op, convert_ruas,
                                       convert_ruas_denoiser, local_max)
from _official_models import official_keys


def test_local_max_is_a_2x2_window_towards_bottom_right():
    x = torch.tensor([[1., 5., 2.], [0., 3., 4.]]).view(1, 1, 2, 3)
    expected = torch.tensor([[5., 5., 4.], [3., 4., 4.]]).view(1, 1, 2, 3)
    torch.testing.assert_close(local_max(x), expected)


def test_ops_from_genotype_names():
    op = build_op('resdilconv_3x3', 3)
    assert op.residual and op.op.dilation == (2, 2) and op.op.padding == (2, 2)
    assert isinstance(build_op('skip_connect', 3), torch.nn.Identity)
    with pytest.raises(ValueError):
        build_op('sep_conv_5x5', 3)


def test_denoise_switch():
    torch.manual_seed(0)
    model = RUAS(denoise=False).eval()
    x = torch.rand(1, 3, 12, 10) * 0.3
    out = model.forward_train(x)
    torch.testing.assert_close(out['enhanced'], out['illuminated'])
    model.denoise = True
    torch.testing.assert_close(model(x), model.denoiser(out['illuminated']).clamp(0, 1))


@pytest.mark.parametrize('name, build, convert', [
    ('ruas', partial(RUAS, denoise=True), convert_ruas),
    ('ruas_denoiser', NoiseRemovalNet, convert_ruas_denoiser),
], ids=['ruas', 'ruas_denoiser'])
def test_key_maps_fit_the_released_checkpoints(name, build, convert):
    """Tensors named and shaped as in the released ``ckpt/lol.pt`` and ``model/denoise.pt``
    load strictly after the key map, every one unchanged; the outputs are pinned against the
    official ones in test_official_conformance.py (needs ../shared/assets)."""
    generator = torch.Generator().manual_seed(0)
    official = {key: torch.randn(shape, generator=generator)
                for key, shape in official_keys(name).items()}
    model = build()
    load_state_dict_strict(model, convert(official), name)
    loaded = sorted(model.state_dict().values(), key=lambda t: float(t.sum()))
    assert len(loaded) == len(official)
    for expected, got in zip(sorted(official.values(), key=lambda t: float(t.sum())), loaded):
        assert torch.equal(expected, got)


def test_denoiser_weights_option_loads_a_converted_denoiser(tmp_path):
    source = RUAS(denoise=True)
    path = tmp_path / 'denoiser.pth'
    torch.save(source.denoiser.state_dict(), path)
    torch.testing.assert_close(RUAS(denoiser_weights=str(path)).denoiser.stem.weight,
                               source.denoiser.stem.weight)
