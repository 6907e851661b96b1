"""tools/convert_official.py: converts, loads strictly, names what does not fit."""
import importlib.util
from pathlib import Path

import pytest
import torch

from sdag_bench.utils.checkpoint import CheckpointError, load_weights
from sdag_bench.enhancers import ZeroDCE
from sdag_bench.enhancers.official_weights import OFFICIAL_WEIGHTS, convert_official

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'convert_official.py'


def _tool():
    spec = importlib.util.spec_from_file_location('convert_official', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _official_zero_dce(path: Path) -> ZeroDCE:
    model = ZeroDCE()
    state = {k.replace('net.convs.', 'e_conv'): v for k, v in model.state_dict().items()}
    state = {f'e_conv{int(k[6]) + 1}{k[7:]}': v for k, v in state.items()}
    torch.save(state, path)
    return model


def test_converts_to_a_plain_strictly_loadable_state_dict(tmp_path):
    source = _official_zero_dce(tmp_path / 'Epoch99.pth')
    dst = tmp_path / 'out' / 'zerodce.pth'
    assert _tool().main(['--name', 'zerodce_epoch99', '--src', str(tmp_path / 'Epoch99.pth'),
                         '--dst', str(dst)]) == 0
    state = torch.load(dst, weights_only=True)
    assert set(state) == set(ZeroDCE().state_dict())
    model = load_weights(ZeroDCE(), str(dst))
    x = torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(model(x), source(x))


def test_wrong_file_names_missing_and_unexpected_keys(tmp_path):
    _official_zero_dce(tmp_path / 'Epoch99.pth')
    expected = '(?s)missing keys: calibrator.*unexpected keys: e_conv'
    with pytest.raises(CheckpointError, match=expected):
        convert_official('sci_easy', str(tmp_path / 'Epoch99.pth'), str(tmp_path / 'x.pth'))
    state = torch.load(tmp_path / 'Epoch99.pth', weights_only=True)
    del state['e_conv7.bias']
    torch.save(state, tmp_path / 'partial.pth')
    with pytest.raises(CheckpointError, match=r'missing keys: net\.convs\.6\.bias'):
        convert_official('zerodce_epoch99', str(tmp_path / 'partial.pth'), str(tmp_path / 'x.pth'))


def test_truncated_file_fails_clearly(tmp_path, capsys):
    _official_zero_dce(tmp_path / 'Epoch99.pth')
    data = (tmp_path / 'Epoch99.pth').read_bytes()
    (tmp_path / 'cut.pth').write_bytes(data[:len(data) // 2])
    assert _tool().main(['--name', 'zerodce_epoch99', '--src', str(tmp_path / 'cut.pth'),
                         '--dst', str(tmp_path / 'x.pth')]) == 1
    assert 'cut.pth' in capsys.readouterr().err
    assert not (tmp_path / 'x.pth').exists()


def test_src_needs_one_name(tmp_path):
    assert _tool().main(['--src', 'a.pth']) == 2


@pytest.mark.assets
def test_converts_every_official_checkpoint(shared_assets, tmp_path):
    assert _tool().main(['--assets', str(shared_assets), '--out-dir', str(tmp_path)]) == 0
    for name, entry in OFFICIAL_WEIGHTS.items():
        load_weights(entry.build(), str(tmp_path / f'{name}.pth'))
