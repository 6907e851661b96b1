"""SDAGLoss: values and gradients known by hand or from the official SDAG outputs; the SDAG network
stays frozen and out of the enhancer's state."""
import cv2
import numpy as np
import pytest
import torch

from sdag_bench.losses.sdag_losses import SDAGLoss
from sdag_bench.registry import MODELS
from sdag_bench.sdag.semantic_aware_net import SemanticAwareNet


@pytest.fixture
def sdag_net():
    torch.manual_seed(0)
    return SemanticAwareNet()


class _Scale(torch.nn.Module):
    """A stand-in SDAG network with a known output: ``k * x``."""

    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = torch.nn.Parameter(torch.tensor(k))

    def forward(self, x):
        return self.k * x


#: Enhanced values 0.2, 0.4, 0.6, 0.8 in one 1 x 1 x 2 x 2 image.
_X = torch.tensor([[[[0.2, 0.4], [0.6, 0.8]]]])


def test_value_is_the_l1_distance_to_the_reconstruction():
    """With SDAG(x) = x / 2: |x - x/2| = x / 2, so mean 0.25 and sum 1.0 (values by hand)."""
    loss = SDAGLoss(_Scale(0.5), loss_weight=0.5)
    assert loss.input_keys == ('enhanced', )
    assert loss(_X).item() == pytest.approx(0.5 * 0.25)
    loss.loss_weight = 2.0
    assert loss(_X).item() == pytest.approx(2.0 * 0.25)
    assert loss(_X, reduction_override='sum').item() == pytest.approx(2.0 * 1.0)
    torch.testing.assert_close(loss(_X, reduction_override='none'), 2.0 * _X / 2)


def test_gradient_flows_through_the_reconstruction():
    """SDAG(x) = 2x: the loss mean|x - 2x| = mean(x) has gradient +1/N on every pixel. Were
    the reconstruction detached (a fixed target), it would be sign(x - 2x) / N = -1/N."""
    net = _Scale(2.0)
    enhanced = _X.clone().requires_grad_(True)
    SDAGLoss(net)(enhanced).backward()
    torch.testing.assert_close(enhanced.grad, torch.full_like(_X, 1 / 4))
    assert net.k.grad is None and not net.k.requires_grad  # frozen by the loss


def test_real_sdag_net_stays_frozen_and_unchanged(sdag_net):
    loss = SDAGLoss(sdag_net)
    before = {k: v.clone() for k, v in sdag_net.state_dict().items()}
    enhanced = torch.rand(2, 3, 10, 10, requires_grad=True)
    loss(enhanced).backward()
    assert enhanced.grad.abs().sum() > 0
    assert all(p.grad is None and not p.requires_grad for p in sdag_net.parameters())
    assert all(torch.equal(before[k], v) for k, v in sdag_net.state_dict().items())


@pytest.mark.assets
def test_value_with_the_official_sdag_matches_its_reference_output(shared_assets, tmp_path):
    """The loss of an image under the official SDAG net is the mean |x - official output| of
    that image (``reference_outputs``, made by the official code)."""
    from sdag_bench.sdag.semantic_aware_net import convert_official_checkpoint
    refs = shared_assets / 'reference_outputs'
    ours = tmp_path / 'sdag.pth'
    convert_official_checkpoint(str(shared_assets / 'zheng980629+SDAG/SemanticAwareRecon.pth'),
                                str(ours), key='params')
    loss = SDAGLoss(SemanticAwareNet(checkpoint=str(ours)), loss_weight=1.0)
    img = cv2.imread(str(refs / 'inputs' / 'lime_1.png'), cv2.IMREAD_UNCHANGED)[..., ::-1]
    x = torch.from_numpy(img.astype(np.float32) / 255).permute(2, 0, 1)[None]
    official = np.load(refs / 'sdag_semanticaware_params__lime_1.npy')
    expected = np.abs(img.astype(np.float64) / 255 - official).mean()
    assert loss(x).item() == pytest.approx(expected, abs=1e-6)
    assert expected > 1e-3  # the official net is not the identity


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
