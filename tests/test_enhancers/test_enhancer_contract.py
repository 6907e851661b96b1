"""The contract every registered enhancer keeps (see sdag_bench/enhancers/base.py)."""
import pytest
import torch

from sdag_bench.enhancers import BaseEnhancer
from sdag_bench.registry import MODELS

import sdag_bench.enhancers  # noqa: F401  (registers the zoo)

ENHANCERS = sorted(name for name, cls in MODELS.module_dict.items()
                   if isinstance(cls, type) and issubclass(cls, BaseEnhancer))


#: Enhancers that cannot be built without an argument (the harness feeds PrecomputedEnhancer
#: the folder's images; on its own it passes images through, which the contract still checks).
REQUIRED_ARGS = {'PrecomputedEnhancer': dict(folder='.')}


def _build(name: str) -> BaseEnhancer:
    torch.manual_seed(0)
    return MODELS.build(dict(type=name, _scope_='sdag_bench', **REQUIRED_ARGS.get(name, {}))).eval()


def _check_image_batch(out: torch.Tensor, like: torch.Tensor) -> None:
    assert out.shape == like.shape
    assert out.dtype == like.dtype
    assert out.device == like.device
    assert torch.isfinite(out).all()
    assert out.min() >= 0 and out.max() <= 1


def test_the_zoo_is_registered():
    assert {'Identity', 'Gamma', 'HistEq', 'CLAHE', 'MSRCP', 'ZeroDCE', 'ZeroDCEPP', 'SCI',
            'RUAS'} <= set(ENHANCERS)


@pytest.mark.parametrize('name', ENHANCERS)
def test_shape_range_dtype_and_input_untouched(name):
    enhancer = _build(name)
    x = torch.rand(2, 3, 24, 32) * 0.3
    x_copy = x.clone()
    with torch.no_grad():
        out = enhancer(x)
    _check_image_batch(out, x)
    assert torch.equal(x, x_copy), 'the input was modified in place'


@pytest.mark.parametrize('name', ENHANCERS)
def test_mixed_batch_is_processed_per_image(name):
    """A batch of dark, bright, black and white images gives what each image gives alone."""
    enhancer = _build(name)
    torch.manual_seed(1)
    batch = torch.stack([
        torch.rand(3, 20, 28) * 0.15, torch.rand(3, 20, 28) * 0.4 + 0.6,
        torch.zeros(3, 20, 28), torch.ones(3, 20, 28)])
    with torch.no_grad():
        together = enhancer(batch)
        alone = torch.cat([enhancer(img[None]) for img in batch])
    _check_image_batch(together, batch)
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=0)


@pytest.mark.parametrize('size', [(1, 1), (1, 7), (5, 1), (13, 9), (2, 2)])
@pytest.mark.parametrize('name', ENHANCERS)
def test_tiny_and_odd_sizes(name, size):
    enhancer = _build(name)
    x = torch.rand(1, 3, *size) * 0.5
    with torch.no_grad():
        _check_image_batch(enhancer(x), x)


@pytest.mark.parametrize('value', [0.0, 1.0])
@pytest.mark.parametrize('name', ENHANCERS)
def test_constant_black_and_white_give_no_nan(name, value):
    enhancer = _build(name)
    x = torch.full((2, 3, 16, 20), value)
    with torch.no_grad():
        _check_image_batch(enhancer(x), x)


@pytest.mark.parametrize('name', ENHANCERS)
def test_forward_train_gives_enhanced(name):
    enhancer = _build(name).train()
    x = torch.rand(2, 3, 16, 16) * 0.3
    outputs = enhancer.forward_train(x)
    assert isinstance(outputs, dict) and outputs['enhanced'].shape == x.shape


@pytest.mark.parametrize('name', [n for n in ENHANCERS if MODELS.get(n).trainable])
def test_gradients_flow_for_trainable(name):
    enhancer = _build(name).train()
    assert any(p.requires_grad for p in enhancer.parameters())
    x = torch.rand(2, 3, 17, 19) * 0.3
    outputs = enhancer.forward_train(x)
    loss = sum(v.float().mean() for v in outputs.values())
    loss.backward()
    grads = [p.grad for p in enhancer.parameters() if p.grad is not None]
    assert grads, 'no parameter received a gradient'
    assert all(torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA device here')
@pytest.mark.parametrize('name', ENHANCERS)
def test_follows_its_input_to_the_gpu(name):
    enhancer = _build(name).to('cuda')
    x = torch.rand(2, 3, 20, 24, device='cuda') * 0.3
    with torch.no_grad():
        _check_image_batch(enhancer(x), x)
