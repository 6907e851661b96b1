"""SDAGLoss: value, gradients through a frozen SDAG, state kept out of the enhancer's."""
import pytest
import torch

from sdag_bench.losses.sdag_losses import SDAGLoss, sdag_guidance_loss
from sdag_bench.registry import MODELS
from sdag_bench.sdag.semantic_aware_net import SemanticAwareNet


@pytest.fixture
def sdag_net():
    torch.manual_seed(0)
    return SemanticAwareNet()


def test_value_and_weight(sdag_net):
    loss = SDAGLoss(sdag_net, loss_weight=0.5)
    assert loss.input_keys == ('enhanced', )
    x = torch.rand(2, 3, 12, 12)
    with torch.no_grad():
        expected = 0.5 * (x - sdag_net(x)).abs().mean()
    torch.testing.assert_close(loss(x), expected)
    loss.loss_weight = 2.0
    torch.testing.assert_close(loss(x), 4 * expected)
    assert loss(x, reduction_override='none').shape == x.shape
    torch.testing.assert_close(sdag_guidance_loss(x, sdag_net, 'sum'),
                               (x - sdag_net(x)).abs().sum())


def test_gradients_reach_enhanced_through_frozen_sdag_only(sdag_net):
    loss = SDAGLoss(sdag_net)
    before = {k: v.clone() for k, v in sdag_net.state_dict().items()}
    enhanced = torch.rand(2, 3, 10, 10, requires_grad=True)
    loss(enhanced).backward()
    grad_through = enhanced.grad.clone()
    # the same L1 with a detached reconstruction: a different gradient means it flows through SDAG
    enhanced.grad = None
    target = sdag_net(enhanced).detach()
    (enhanced - target).abs().mean().backward()
    assert not torch.allclose(grad_through, enhanced.grad)
    assert all(p.grad is None and not p.requires_grad for p in sdag_net.parameters())
    assert all(torch.equal(before[k], v) for k, v in sdag_net.state_dict().items())


def test_sdag_is_not_part_of_the_loss_state(sdag_net):
    loss = SDAGLoss(sdag_net)
    assert list(loss.parameters()) == [] and loss.state_dict() == {}
    loss.train()
    assert not sdag_net.training
    loss.to(torch.float64)
    assert sdag_net.out_conv.weight.dtype == torch.float64
    assert loss(torch.rand(1, 3, 6, 6, dtype=torch.float64)).dtype == torch.float64


def test_build_from_config(tmp_path, sdag_net):
    path = tmp_path / 'sdag.pth'
    torch.save(sdag_net.state_dict(), path)
    loss = MODELS.build(dict(type='SDAGLoss', loss_weight=0.1,
                             sdag=dict(type='SemanticAwareNet', checkpoint=str(path))))
    x = torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(loss.sdag_net(x), sdag_net(x))
    assert not any(p.requires_grad for p in loss.sdag_net.parameters())
    with pytest.raises(ValueError, match='reduction'):
        SDAGLoss(sdag_net, reduction='max')
