"""Every checkpoint loader of the suite refuses a pickle that would run code when unpickled."""
import os

import pytest
import torch

from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector
from sdag_bench.utils.checkpoint import CheckpointError, load_checkpoint_file, load_weights
from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.enhancers.zero_dce import ZeroDCE
from sdag_bench.sdag.semantic_aware_net import SemanticAwareNet


class _RunsCode:
    """Unpickling this calls os.system: the attack ``weights_only=True`` must stop."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture
def evil_checkpoint(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'payload': _RunsCode(str(marker))}, path)
    return path, marker


LOADERS = {
    'load_checkpoint_file': lambda p: load_checkpoint_file(p),
    'load_weights': lambda p: load_weights(ZeroDCE(), p),
    'enhancer config': lambda p: build_enhancer_from_config('configs/enhancers/zerodce.py', p),
    'detector': lambda p: build_frozen_detector('configs/detectors/demo_retinanet.py', p),
    'SDAG net': lambda p: SemanticAwareNet().load_checkpoint(p),
}


@pytest.mark.parametrize('loader', LOADERS)
def test_loader_refuses_code_running_pickle(loader, evil_checkpoint):
    path, marker = evil_checkpoint
    with pytest.raises(CheckpointError) as err:
        LOADERS[loader](str(path))
    assert str(path) in str(err.value) and 'refusing' in str(err.value)
    assert not marker.exists(), 'the payload ran'


def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    good = tmp_path / 'good.pth'
    torch.save(ZeroDCE().state_dict(), good)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match='cut.pth'):
        load_weights(ZeroDCE(), str(cut))


def test_wrong_architecture_names_the_keys(tmp_path):
    path = tmp_path / 'sdag_as_zerodce.pth'
    torch.save(SemanticAwareNet().state_dict(), path)
    with pytest.raises(CheckpointError) as err:
        load_weights(ZeroDCE(), str(path))
    message = str(err.value)
    assert 'sdag_as_zerodce.pth' in message and 'missing keys' in message
    assert 'unexpected keys' in message
