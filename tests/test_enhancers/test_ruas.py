"""RUAS module and key maps (no third-party files needed)."""
import pytest
import torch

from sdag_bench.utils.checkpoint import load_state_dict_strict
from sdag_bench.enhancers.ruas import (RUAS, NoiseRemovalNet, build_op, convert_ruas,
                                       convert_ruas_denoiser, local_max)


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


def test_key_maps_round_trip(tmp_path):
    source = RUAS(denoise=True)
    official = {}
    for key, value in source.state_dict().items():
        key = key.replace('denoiser.out_conv.', 'denoise_net.activate.0.')
        key = key.replace('denoiser.', 'denoise_net.')
        if key.startswith('iems.'):
            index, rest = key[len('iems.'):].split('.', 1)
            key = f'enhance_net.iems.{index}.cell.{rest}'
        official[key] = value
    target = RUAS(denoise=True)
    load_state_dict_strict(target, convert_ruas(official), 'official')
    x = torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(target(x), source(x))

    denoiser = {k[len('denoise_net.'):]: v for k, v in official.items()
                if k.startswith('denoise_net.')}
    load_state_dict_strict(NoiseRemovalNet(), convert_ruas_denoiser(denoiser), 'denoise.pt')
    path = tmp_path / 'denoiser.pth'
    torch.save(source.denoiser.state_dict(), path)
    torch.testing.assert_close(RUAS(denoiser_weights=str(path)).denoiser.stem.weight,
                               source.denoiser.stem.weight)
