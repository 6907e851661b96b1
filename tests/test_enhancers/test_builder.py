"""build_enhancer_from_config: what the benchmark calls for every enhancer config."""
from pathlib import Path

import pytest
import torch

from sdag_bench.utils.checkpoint import CheckpointError
from sdag_bench.enhancers import ZeroDCE, build_enhancer, build_enhancer_from_config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / 'enhancers'


@pytest.mark.parametrize('config', sorted(CONFIGS.glob('*.py')), ids=lambda p: p.stem)
def test_every_enhancer_config_builds(config):
    """Every config names an enhancer; learnable ones without converted weights at hand are
    built with an explicit (empty) checkpoint override."""
    enhancer = build_enhancer_from_config(config, checkpoint='')
    assert not enhancer.training
    assert all(not p.requires_grad for p in enhancer.parameters())
    x = torch.rand(1, 3, 12, 12) * 0.3
    assert enhancer(x).shape == x.shape


def test_checkpoint_from_config_and_override(tmp_path):
    weights = ZeroDCE()
    path = tmp_path / 'zerodce.pth'
    torch.save(weights.state_dict(), path)
    config = tmp_path / 'cfg.py'
    config.write_text(f"enhancer = dict(type='ZeroDCE')\ncheckpoint = {str(path)!r}\n")
    enhancer = build_enhancer_from_config(config)
    torch.testing.assert_close(enhancer.net.convs[0].weight, weights.net.convs[0].weight)

    with pytest.raises(CheckpointError, match='not found'):
        build_enhancer_from_config(config, checkpoint=str(tmp_path / 'missing.pth'))


def test_training_state_dict_with_model_prefix(tmp_path):
    """A whole UnsupervisedEnhancerModel state dict (enhancer.* plus other parts) loads too."""
    weights = ZeroDCE()
    state = {f'enhancer.{k}': v for k, v in weights.state_dict().items()}
    state['losses.loss_sdag.net.weight'] = torch.zeros(1)
    path = tmp_path / 'model.pth'
    torch.save({'state_dict': state, 'meta': {'iter': 10}}, path)
    config = tmp_path / 'cfg.py'
    config.write_text("enhancer = dict(type='ZeroDCE')\n")
    enhancer = build_enhancer_from_config(config, checkpoint=str(path))
    torch.testing.assert_close(enhancer.net.convs[6].bias, weights.net.convs[6].bias)


def test_config_without_enhancer(tmp_path):
    config = tmp_path / 'cfg.py'
    config.write_text('model = dict(type="RetinaNet")\n')
    with pytest.raises(KeyError, match='enhancer'):
        build_enhancer_from_config(config)


def test_build_enhancer_rejects_non_enhancers():
    with pytest.raises(TypeError):
        build_enhancer(dict(type='SpatialConsistencyLoss'))


def test_unknown_enhancer_type_names_the_config_and_lists_known_ones(tmp_path):
    config = tmp_path / 'typo.py'
    config.write_text("enhancer = dict(type='ZeroDCEE')\n")
    with pytest.raises(KeyError, match=r"typo.py: unknown enhancer type 'ZeroDCEE'; known "
                       r"enhancers: .*\bSCI\b.*\bZeroDCE\b"):
        build_enhancer_from_config(config)
