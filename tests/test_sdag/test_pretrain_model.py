"""SDAG pretraining: loss terms, cosine options, and degradation awareness after training."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sdag_bench.registry import MODELS
from sdag_bench.sdag.pretrain_model import (SDAGPretrainModel, degradation_margin_loss,
                                            reconstruction_cosine)

#: The factors a few CPU minutes of pretraining learns to rank (see the report in the test).
LEARNED_FACTORS = [
    dict(type='GammaDegradation'),
    dict(type='GaussianNoiseDegradation'),
    dict(type='ExposureDegradation'),
    dict(type='PoissonGaussianDegradation'),
]


def _model(**kwargs) -> SDAGPretrainModel:
    torch.manual_seed(0)
    return MODELS.build(dict(type='SDAGPretrainModel', net=dict(type='SemanticAwareNet'),
                             seed=0, **kwargs))


def test_cosine_per_image_and_official_batch_axis():
    a, b = torch.rand(3, 2, 4, 5), torch.rand(3, 2, 4, 5)
    per_image = reconstruction_cosine(a, b, 'image')
    fa, fb = a.reshape(3, -1), b.reshape(3, -1)
    torch.testing.assert_close(per_image, (fa * fb).sum(1) / (fa.norm(dim=1) * fb.norm(dim=1)))
    batch = reconstruction_cosine(a, b, 'batch')  # the official dim=0 over (N, C*H*W)
    assert batch.shape == (2 * 4 * 5, )
    torch.testing.assert_close(batch, (fa * fb).sum(0) / (fa.norm(dim=0) * fb.norm(dim=0)))
    with pytest.raises(ValueError, match='cosine_over'):
        reconstruction_cosine(a, b, 'pixel')


def test_margin_loss_values():
    x = torch.rand(2, 3, 4, 4) + 0.1
    # perfect clean reconstruction, degraded reconstruction anti-correlated: no loss
    assert degradation_margin_loss(x, x, -x, x).item() == 0.0
    # equally good reconstructions: the whole margin
    assert degradation_margin_loss(x, x, x, x, margin=0.5).item() == pytest.approx(0.5)


def test_loss_terms_logged_and_gradients():
    model = _model()
    x = torch.rand(2, 3, 12, 12)
    losses = model(x, mode='loss')
    assert {k for k in losses if k.startswith('loss')} == {
        'loss_recon', 'loss_recon_gamma', 'loss_margin_gamma', 'loss_recon_noise',
        'loss_margin_noise'}
    assert {'cos_clean', 'cos_gamma', 'cos_noise'} <= set(losses)
    torch.testing.assert_close(losses['loss_recon'], F.l1_loss(model.net(x), x))
    gamma = x**(1 / 0.3)
    torch.testing.assert_close(losses['loss_recon_gamma'], 0.1 * F.l1_loss(model.net(gamma), gamma))
    torch.testing.assert_close(losses['loss_margin_gamma'],
                               degradation_margin_loss(model.net(x), x, model.net(gamma), gamma))
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert all(p.grad is not None for p in model.net.blocks.parameters())
    assert all(p.grad is None for p in model.net.extractor.parameters())


def test_batch_cosine_option_and_modes():
    model = _model(cosine_over='batch', degradations=[dict(type='GammaDegradation')])
    x = torch.rand(2, 3, 8, 8)
    losses = model(x, mode='loss')
    recon, gamma = model.net(x), x**(1 / 0.3)
    expected = F.margin_ranking_loss(
        F.cosine_similarity(recon.reshape(2, -1), x.reshape(2, -1), dim=0),
        F.cosine_similarity(model.net(gamma).reshape(2, -1), gamma.reshape(2, -1), dim=0),
        torch.ones(3 * 8 * 8), margin=0.5)
    torch.testing.assert_close(losses['loss_margin_gamma'], expected)
    assert model(x, mode='tensor').shape == x.shape
    preds = model(x, mode='predict')
    assert len(preds) == 2 and set(preds[0]) == {'recon', 'error_clean', 'error_gamma'}
    with pytest.raises(ValueError, match='mode'):
        model(x, mode='train')
    with pytest.raises(ValueError, match='unique'):
        _model(degradations=[dict(type='GammaDegradation'), dict(type='GammaDegradation')])


def _demo_like_images(seeds, size: int) -> torch.Tensor:
    from sdag_bench.datasets.demo_scenes import render_scene
    imgs = [torch.from_numpy(render_scene(s, size, 5)[0]).permute(2, 0, 1) for s in seeds]
    return torch.stack(imgs).float() / 255


def _ranking(model: SDAGPretrainModel, images: torch.Tensor) -> dict:
    """Per factor: fraction of images whose degraded copy is reconstructed worse (1 - cosine)
    than the clean image, and the mean gap."""
    model.eval()
    generator = torch.Generator().manual_seed(99)
    with torch.no_grad():
        clean = 1 - reconstruction_cosine(model.net(images), images)
        out = {}
        for factor in model.degradations:
            degraded = factor(images, generator)
            err = 1 - reconstruction_cosine(model.net(degraded), degraded)
            out[factor.name] = (float((err > clean).float().mean()), float((err - clean).mean()))
    model.train()
    return out


@pytest.mark.slow  # 60 training steps; the fast tier keeps one pretraining step
def test_short_pretraining_makes_the_net_degradation_aware():
    """A few CPU minutes on demo scenes: degraded copies of held-out scenes are reconstructed
    worse than the clean scene for >= 90% of the images, for every factor."""
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small convolutions: one thread is as fast and shares the CPU
    try:
        model = _model(degradations=LEARNED_FACTORS)
        train, held_out = _demo_like_images(range(48), 40), _demo_like_images(range(900, 924), 32)
        before = _ranking(model, held_out)
        optim = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
        rng = np.random.default_rng(0)
        for _ in range(60):
            idx = torch.from_numpy(rng.choice(len(train), 6, replace=False))
            top, left = rng.integers(0, 40 - 16 + 1, 2)
            batch = train[idx, :, top:top + 16, left:left + 16]
            losses = model(batch, mode='loss')
            optim.zero_grad()
            sum(v for k, v in losses.items() if k.startswith('loss')).backward()
            optim.step()
        after = _ranking(model, held_out)
    finally:
        torch.set_num_threads(threads)
    print('fraction ranked, mean gap (1 - cos): before', before, 'after', after)
    for name, (fraction, gap) in after.items():
        assert fraction >= 0.9, f'{name}: only {fraction:.2f} of images ranked (after {after})'
        assert gap > before[name][1], f'{name}: the gap did not grow ({before} -> {after})'
