"""Converted official weights reproduce the official code's outputs (needs ../shared/assets)."""
from functools import partial

import numpy as np
import pytest
import torch

from sdag_bench.enhancers.builder import flush_subnormal_
from sdag_bench.utils.checkpoint import load_weights
from sdag_bench.utils.image_io import read_image
from sdag_bench.enhancers.official_weights import OFFICIAL_WEIGHTS, convert_official
from sdag_bench.enhancers.ruas import RUAS

pytestmark = pytest.mark.assets


@pytest.fixture(scope='module')
def converted(shared_assets, tmp_path_factory):
    """Convert one official checkpoint (cached per test module) and load it into its module,
    its subnormal weights set to zero as the benchmark's builder does (``flush_subnormal_``:
    bitwise the same outputs, test_subnormal_weights.py; Zero-DCE's Epoch99 ran 20x slower
    with them)."""
    out_dir = tmp_path_factory.mktemp('official')
    cache = {}

    def get(name: str):
        if name not in cache:
            entry = OFFICIAL_WEIGHTS[name]
            target = out_dir / f'{name}.pth'
            convert_official(name, str(shared_assets / entry.source), str(target))
            cache[name] = load_weights(entry.build(), str(target)).eval()
            flush_subnormal_(cache[name])
        return cache[name]
    return get


def _as_batch(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(img.copy()).permute(2, 0, 1)[None].float() / 255


@pytest.mark.parametrize('name, reference', [('zerodce_epoch99', 'zerodce_epoch99'),
                                             ('zerodce_sdag', 'zerodce_sdag'),
                                             ('zerodcepp_epoch99', 'zerodcepp_epoch99_scale12')])
def test_zero_dce_family_reproduces_reference_outputs(converted, shared_assets, name, reference):
    model = converted(name)
    folder = shared_assets / 'reference_outputs'
    inputs = sorted((folder / 'inputs').glob('*.png'))
    assert inputs
    for path in inputs:
        expected = np.load(folder / f'{reference}__{path.stem}.npy')
        with torch.no_grad():
            got = model(_as_batch(read_image(path, 'rgb')))[0].permute(1, 2, 0).numpy()
        assert np.abs(got - expected).max() <= 1e-4, path.name


@pytest.mark.parametrize('level', ['easy', 'medium', 'difficult'])
def test_sci_reproduces_official_results(converted, shared_assets, level):
    model = converted(f'sci_{level}')
    root = shared_assets / 'vis-opt-group+SCI'
    inputs = sorted((root / 'data' / level).glob('*.png'))  # JPEG decoders differ
    assert inputs
    for path in inputs:
        with torch.no_grad():
            r = model(_as_batch(read_image(path, 'rgb')))[0].permute(1, 2, 0).numpy()
        got = np.clip(r * 255, 0, 255).astype(np.uint8)  # the official save_images
        expected = read_image(root / 'results' / level / path.name, 'rgb')
        diff = np.abs(got.astype(int) - expected.astype(int))
        assert diff.max() <= 1, path.name


#: RUAS, PairLIE and CLIP-LIT: reference output prefix -> how to build our module from which
#: official checkpoint. ``ruas_upe_denoised``: the upe weights with their own denoiser.
RUAS_PAIRLIE_CLIPLIT = {
    'ruas_upe': ('ruas_upe', None),
    'ruas_lol': ('ruas_lol', None),  # the official test saves the denoised output for lol
    'ruas_dark': ('ruas_dark', None),
    'ruas_upe_denoised': ('ruas_upe', partial(RUAS, denoise=True)),
    'pairlie': ('pairlie', None),
    'cliplit': ('clip_lit', None),
}
#: Largest |ours - official| allowed (measured: at most 4e-7, float32 rounding).
CONFORMANCE_TOL = 1e-5


@pytest.mark.parametrize('reference', sorted(RUAS_PAIRLIE_CLIPLIT))
def test_ruas_pairlie_cliplit_reproduce_official_outputs(shared_assets, tmp_path, reference):
    name, build = RUAS_PAIRLIE_CLIPLIT[reference]
    entry = OFFICIAL_WEIGHTS[name]
    target = tmp_path / f'{name}.pth'
    convert_official(name, str(shared_assets / entry.source), str(target))
    model = load_weights((build or entry.build)(), str(target)).eval()
    folder = shared_assets / 'reference_outputs'
    inputs = sorted((folder / 'inputs').glob('*.png'))
    assert len(inputs) == 4
    for path in inputs:
        # RUAS references are stored before the [0, 1] clip the official save_images applies
        # (lol and denoised outputs reach -0.45 and 1.5); ours is the saved image
        expected = np.load(folder / f'{reference}__{path.stem}.npy')
        if reference.startswith('ruas'):
            expected = np.clip(expected, 0, 1)
        with torch.no_grad():
            got = model(_as_batch(read_image(path, 'rgb')))[0].permute(1, 2, 0).numpy()
        assert got.shape == expected.shape, path.name
        diff = np.abs(got - expected).max()
        assert diff <= CONFORMANCE_TOL, (path.name, diff)


def test_ruas_denoiser_keeps_every_official_tensor(shared_assets, tmp_path):
    """``model/denoise.pt`` (no reference output exists): every official tensor lands, unchanged,
    in the module, and nothing in the module is left at its initial value."""
    entry = OFFICIAL_WEIGHTS['ruas_denoiser']
    source = torch.load(shared_assets / entry.source, map_location='cpu', weights_only=True)
    target = tmp_path / 'ruas_denoiser.pth'
    convert_official('ruas_denoiser', str(shared_assets / entry.source), str(target))
    loaded = load_weights(entry.build(), str(target)).state_dict()
    assert len(loaded) == len(source)
    unmatched = list(loaded.values())
    for key, tensor in source.items():
        match = next((i for i, t in enumerate(unmatched)
                      if t.shape == tensor.shape and torch.equal(t, tensor)), None)
        assert match is not None, f'official {key} not found in the converted module'
        unmatched.pop(match)
