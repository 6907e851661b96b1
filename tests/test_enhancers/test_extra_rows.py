"""PairLIE and CLIP-LIT against the official architectures; SGZ is Zero-DCE++ (tested there)."""
import pytest
import torch

from sdag_bench.utils.checkpoint import load_state_dict_strict
from sdag_bench.utils.image_io import read_image
from sdag_bench.enhancers import CLIPLIT, PairLIE
from sdag_bench.enhancers.clip_lit import convert_clip_lit
from sdag_bench.enhancers.pairlie import convert_pairlie

from _official_models import OfficialCLIPLIT, OfficialPairLIE

CASES = [(OfficialPairLIE, PairLIE, convert_pairlie, 'zhenqifu+PairLIE/weights/PairLIE.pth'),
         (OfficialCLIPLIT, CLIPLIT, convert_clip_lit,
          'ZhexinLiang+CLIP-LIT/pretrained_models/enhancement_model.pth')]


def _compare(official, ours, x):
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(x), official.eval()(x), atol=1e-5, rtol=0)


@pytest.mark.parametrize('official_cls, cls, convert, _', CASES)
def test_same_function_as_official_architecture(official_cls, cls, convert, _):
    torch.manual_seed(0)
    official = official_cls()
    for p in official.parameters():  # make the light map positive so both divide alike
        p.data.abs_()
    ours = cls()
    load_state_dict_strict(ours, convert(official.state_dict()), 'official layout')
    _compare(official, ours, torch.rand(2, 3, 23, 30) * 0.4)


@pytest.mark.assets
@pytest.mark.parametrize('official_cls, cls, convert, source', CASES)
def test_official_weights(shared_assets, official_cls, cls, convert, source):
    state = torch.load(shared_assets / source, map_location='cpu', weights_only=True)
    state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
    official = official_cls()
    official.load_state_dict(state)
    ours = cls()
    load_state_dict_strict(ours, convert(state), source)
    img = read_image(shared_assets / 'reference_outputs/inputs/dicm_01.png', 'rgb')
    x = torch.from_numpy(img.copy()).permute(2, 0, 1)[None].float() / 255
    _compare(official, ours, x)
    assert ours(x).mean() > 1.5 * x.mean()


def test_tiny_inputs_fall_back_to_edge_replication():
    for cls in (PairLIE, CLIPLIT):
        out = cls().eval()(torch.rand(1, 3, 1, 2))
        assert out.shape == (1, 3, 1, 2) and torch.isfinite(out).all()
