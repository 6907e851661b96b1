"""Converted official weights reproduce the official code's outputs (needs ../shared/assets)."""
import numpy as np
import pytest
import torch

from sdag_bench.checkpoint import load_weights
from sdag_bench.datasets.image_io import read_image
from sdag_bench.enhancers.official_weights import OFFICIAL_WEIGHTS, convert_official

pytestmark = pytest.mark.assets


@pytest.fixture(scope='module')
def converted(shared_assets, tmp_path_factory):
    """Convert one official checkpoint (cached per test module) and load it into its module."""
    out_dir = tmp_path_factory.mktemp('official')
    cache = {}

    def get(name: str):
        if name not in cache:
            entry = OFFICIAL_WEIGHTS[name]
            target = out_dir / f'{name}.pth'
            convert_official(name, str(shared_assets / entry.source), str(target))
            cache[name] = load_weights(entry.build(), str(target)).eval()
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


@pytest.mark.parametrize('name', ['ruas_lol', 'ruas_upe', 'ruas_dark'])
def test_ruas_converts_and_brightens(converted, shared_assets, name):
    model = converted(name)
    x = _as_batch(read_image(shared_assets / 'reference_outputs/inputs/lime_1.png', 'rgb'))
    with torch.no_grad():
        out = model(x)
    assert out.shape == x.shape and torch.isfinite(out).all()
    assert out.mean() > 1.5 * x.mean()


def test_ruas_denoiser_converts(converted):
    model = converted('ruas_denoiser')
    x = torch.rand(1, 3, 16, 16)
    assert model(x).shape == x.shape
