"""SemanticAwareNet: architecture, official key map, strict loading, conformance."""
import cv2
import numpy as np
import pytest
import torch

from sdag_bench.utils.checkpoint import CheckpointError
from sdag_bench.sdag.semantic_aware_net import (InvBlock, SemanticAwareNet,
                                                convert_official_checkpoint,
                                                convert_official_state_dict,
                                                is_official_state_dict, main)

INPUTS = ('darkface_644', 'dicm_01', 'lime_1', 'sci_easy_0016')
OFFICIAL_FILE = 'zheng980629+SDAG/SemanticAwareRecon.pth'


def _official_names(state: dict) -> dict:
    """Our state dict under the official key names (the inverse of the key map)."""
    out = {}
    for key, value in state.items():
        key = key.replace('extractor.layers.', 'vgg_extractor.slice1.').replace(
            'out_conv.', 'ConvOut.').replace('.shortcut.', '.identity.').replace(
                '.conv1.', '.conv_1.').replace('.conv2.', '.conv_2.')
        if key.startswith('blocks.'):
            _, idx, rest = key.split('.', 2)
            key = f'process{int(idx) + 1}.{rest}'
        out[key] = value
    return out


def test_key_map_examples():
    state = {k: torch.zeros(1) for k in (
        'vgg_extractor.slice1.2.bias', 'process3.H.identity.weight', 'process1.F.conv_1.weight',
        'process2.G.conv_2.bias', 'process2.G.norm.weight', 'ConvOut.weight')}
    assert is_official_state_dict(state)
    assert sorted(convert_official_state_dict(state)) == sorted([
        'extractor.layers.2.bias', 'blocks.2.H.shortcut.weight', 'blocks.0.F.conv1.weight',
        'blocks.1.G.conv2.bias', 'blocks.1.G.norm.weight', 'out_conv.weight'])


def test_architecture_and_shapes():
    net = SemanticAwareNet()
    assert len(net.blocks) == 3 and all(isinstance(b, InvBlock) for b in net.blocks)
    block = net.blocks[0]
    assert (block.split1, block.split2, block.clamp) == (32, 32, 0.8)
    assert block.F.norm.num_features == 16 and block.F.norm.affine
    x = torch.rand(2, 3, 17, 23)
    out = net(x)
    assert out.shape == x.shape and torch.isfinite(out).all()


def test_coupling_log_scale_is_clamped():
    block = InvBlock(8, clamp=0.8)
    for p in block.H.parameters():  # drive H to huge values
        torch.nn.init.constant_(p, 10.0)
    # x2 away from 0, so that the ratio below does not amplify float rounding; seeded (the
    # order tests run in, e.g. under pytest-xdist, must not change the draw)
    x = torch.rand(1, 8, 6, 6, generator=torch.Generator().manual_seed(0)) + 0.5
    x1, x2 = x.split([4, 4], dim=1)
    y2 = block(x)[:, 4:]
    ratio = (y2 - block.G(x1 + block.F(x2))) / x2
    assert ratio.max() <= np.exp(0.8) + 1e-4 and ratio.min() >= np.exp(-0.8) - 1e-4


def test_freeze_keeps_eval_and_no_grad():
    net = SemanticAwareNet(frozen=True)
    net.train()
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    trainable = SemanticAwareNet()
    trainable.train()
    assert trainable.training and not trainable.extractor.training
    assert not any(p.requires_grad for p in trainable.extractor.parameters())
    assert all(p.requires_grad for p in trainable.blocks.parameters())


def test_load_official_layout_and_exported_pretrain(tmp_path):
    src = SemanticAwareNet()
    official = _official_names(src.state_dict())
    path = tmp_path / 'official.pth'
    torch.save({'params': official, 'params_ema': official}, path)
    net = SemanticAwareNet(checkpoint=str(path), checkpoint_key='params')
    x = torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(net(x), src(x), rtol=0, atol=0)
    exported = tmp_path / 'exported.pth'  # what tools/export_state_dict.py writes
    torch.save({'state_dict': {f'net.{k}': v for k, v in src.state_dict().items()},
                'meta': {'iter': 3}}, exported)
    torch.testing.assert_close(SemanticAwareNet(checkpoint=str(exported))(x), src(x))


def test_strict_loading_names_missing_keys(tmp_path):
    state = SemanticAwareNet().state_dict()
    state.pop('blocks.2.H.conv2.weight')
    path = tmp_path / 'truncated.pth'
    torch.save(state, path)
    with pytest.raises(CheckpointError, match='blocks.2.H.conv2.weight'):
        SemanticAwareNet(checkpoint=str(path))


def test_convert_cli(tmp_path, capsys):
    src = SemanticAwareNet()
    path = tmp_path / 'official.pth'
    torch.save({'params': _official_names(src.state_dict())}, path)
    dst = tmp_path / 'ours.pth'
    main(['--convert', str(path), str(dst), '--key', 'params'])
    assert 'wrote' in capsys.readouterr().out
    state = torch.load(dst, weights_only=True)
    assert set(state) == set(src.state_dict())
    with pytest.raises(CheckpointError):
        convert_official_checkpoint(str(path), str(tmp_path / 'x.pth'), key='params_ema')


def _read_rgb(path) -> torch.Tensor:
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)[..., ::-1].astype(np.float32) / 255
    return torch.from_numpy(img.copy()).permute(2, 0, 1)[None]


@pytest.mark.assets
@pytest.mark.parametrize('key', ['params', 'params_ema'])
def test_official_conformance(shared_assets, tmp_path, key):
    """Converted official weights reproduce the official outputs, plain and on the gamma input."""
    ours = tmp_path / 'sdag.pth'
    convert_official_checkpoint(str(shared_assets / OFFICIAL_FILE), str(ours), key=key)
    net = SemanticAwareNet(checkpoint=str(ours), frozen=True)
    refs = shared_assets / 'reference_outputs'
    worst = 0.0
    for name in INPUTS:
        x = _read_rgb(refs / 'inputs' / f'{name}.png')
        for suffix, inp in (('', x), ('_gamma', x**(1 / 0.3))):
            ref = np.load(refs / f'sdag_semanticaware_{key}{suffix}__{name}.npy')
            with torch.no_grad():
                out = net(inp)[0].permute(1, 2, 0).numpy()
            assert out.shape == ref.shape
            assert np.abs(ref - inp[0].permute(1, 2, 0).numpy()).max() > 1e-2  # not identity
            worst = max(worst, float(np.abs(out - ref).max()))
    assert worst <= 1e-4, f'max |delta| {worst}'
