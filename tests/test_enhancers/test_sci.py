"""SCI module and key map (no third-party files needed)."""
import pytest
import torch

from sdag_bench.utils.checkpoint import CheckpointError, load_state_dict_strict
from sdag_bench.enhancers.sci import SCI, convert_sci


def _official_state(model: SCI) -> dict:
    """Our state dict in the official layout, ``blocks.0`` aliases included."""
    state = {}
    for key, value in model.state_dict().items():
        key = key.replace('illumination.', 'enhance.').replace('calibrator.', 'calibrate.')
        state[key] = value
        for shared, alias in (('enhance.conv.', 'enhance.blocks.0.'),
                              ('calibrate.convs.', 'calibrate.blocks.0.')):
            if key.startswith(shared):
                state[alias + key[len(shared):]] = value
    return state


def test_inference_is_the_illumination_stage():
    torch.manual_seed(0)
    model = SCI().eval()
    x = torch.rand(2, 3, 10, 12) * 0.3
    illu = model.illumination(x)
    assert illu.min() >= 1e-4 and illu.max() <= 1 and (illu >= x.clamp(min=1e-4) - 1e-6).all()
    torch.testing.assert_close(model(x), (x / illu).clamp(0, 1))


def test_forward_train_stages():
    model = SCI(stages=3).train()
    x = torch.rand(2, 3, 10, 12) * 0.3
    out = model.forward_train(x)
    assert out['illumination'].shape == out['stage_inputs'].shape == (2, 3, 3, 10, 12)
    torch.testing.assert_close(out['stage_inputs'][:, 0], x)
    torch.testing.assert_close(out['enhanced'], (x / out['illumination'][:, 0]).clamp(0, 1))


def test_parameter_counts():
    model = SCI()
    assert sum(p.numel() for p in model.illumination.parameters()) == 258  # test-time model
    assert sum(p.numel() for p in model.parameters()) == 5877


def test_key_map_round_trip_and_alias_check():
    source = SCI()
    official = _official_state(source)
    target = SCI()
    load_state_dict_strict(target, convert_sci(official), 'official')
    x = torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(target.eval()(x), source.eval()(x))
    official['enhance.blocks.0.0.weight'] = official['enhance.blocks.0.0.weight'] + 1
    with pytest.raises(CheckpointError, match='alias'):
        convert_sci(official)
