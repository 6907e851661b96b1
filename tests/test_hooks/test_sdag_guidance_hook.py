"""SDAGGuidanceHook: schedule, attachment, and a guided training step through mmengine."""
import pytest
import torch

from sdag_bench.hooks.sdag_guidance_hook import SDAGGuidanceHook
from sdag_bench.losses.sdag_losses import SDAGLoss
from sdag_bench.sdag.semantic_aware_net import SemanticAwareNet
from sdag_runner_utils import (build_runner, guided_config, write_dark_images,
                               write_sdag_checkpoint)


def test_weight_schedules():
    constant = SDAGGuidanceHook(checkpoint='x.pth', loss_weight=0.3)
    assert [constant.weight_at(i) for i in (0, 5, 1000)] == [0.3, 0.3, 0.3]
    linear = SDAGGuidanceHook(checkpoint='x.pth', loss_weight=1.0, schedule='linear',
                              warmup_iters=4)
    assert [linear.weight_at(i) for i in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match='warmup_iters'):
        SDAGGuidanceHook(checkpoint='x.pth', schedule='linear')
    with pytest.raises(ValueError, match='schedule'):
        SDAGGuidanceHook(checkpoint='x.pth', schedule='cosine')


class _FakeRunner:

    def __init__(self, model):
        import logging
        self.model = model
        self.logger = logging.getLogger('test')
        self.iter = 0


def test_attach_and_refuse(tmp_path):
    ckpt = write_sdag_checkpoint(tmp_path / 'sdag.pth')
    hook = SDAGGuidanceHook(checkpoint=str(ckpt), loss_weight=2.0, schedule='linear',
                            warmup_iters=2)
    model = torch.nn.Module()
    model.losses = torch.nn.ModuleDict()
    model.conv = torch.nn.Conv2d(3, 3, 1)
    runner = _FakeRunner(model)
    hook.before_train(runner)
    loss = model.losses['loss_sdag']
    assert isinstance(loss, SDAGLoss) and loss.loss_weight == 1.0
    assert not any(p.requires_grad for p in loss.sdag_net.parameters())
    runner.iter = 5
    hook.before_train_iter(runner, 5)
    assert loss.loss_weight == 2.0
    with pytest.raises(KeyError, match='already'):
        hook.before_train(runner)
    with pytest.raises(TypeError, match='losses'):
        hook.before_train(_FakeRunner(torch.nn.Conv2d(3, 3, 1)))


def _train(tmp_path, name, with_hook):
    data = write_dark_images(tmp_path / 'dark')
    ckpt = write_sdag_checkpoint(tmp_path / 'sdag.pth')
    cfg = guided_config('configs/sdag/zerodce_sdag.py', tmp_path / name, data, ckpt)
    if not with_hook:
        cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'SDAGGuidanceHook']
    runner = build_runner(cfg)
    enhancer_before = {k: v.clone() for k, v in runner.model.enhancer.state_dict().items()}
    runner.train()
    return runner, enhancer_before, ckpt


def test_guided_step_and_removing_the_hook(tmp_path):
    guided, enhancer_before, ckpt = _train(tmp_path, 'guided', with_hook=True)
    sdag_loss = guided.model.losses['loss_sdag']
    # SDAG: unchanged, never given a gradient
    saved = torch.load(ckpt, weights_only=True)
    for key, value in sdag_loss.sdag_net.state_dict().items():
        assert torch.equal(value, saved[key]), key
    assert all(p.grad is None for p in sdag_loss.sdag_net.parameters())
    # the term is logged (with the warm-up weight of the last iteration)
    logs = guided.message_hub.log_scalars
    assert 'train/loss_sdag' in logs and logs['train/loss_sdag'].current() > 0
    assert sdag_loss.loss_weight == pytest.approx(2 / 100)

    plain, plain_before, _ = _train(tmp_path, 'plain', with_hook=False)
    plain_logs = plain.message_hub.log_scalars
    guided_losses = {k for k in logs if k.startswith('train/loss')}
    plain_losses = {k for k in plain_logs if k.startswith('train/loss')}
    assert guided_losses - plain_losses == {'train/loss_sdag'}
    assert plain_losses <= guided_losses
    for key in plain_losses - {'train/loss'}:  # first iteration: same data, same weights
        first_plain = plain_logs[key].data[0][0]
        first_guided = logs[key].data[0][0]
        assert first_plain == pytest.approx(first_guided, rel=1e-5), key
    assert set(plain.model.state_dict()) == set(guided.model.state_dict())
    # same start, same data: the guided enhancer ends elsewhere only because of the SDAG term
    guided_state = guided.model.enhancer.state_dict()
    plain_state = plain.model.enhancer.state_dict()
    assert all(torch.equal(enhancer_before[k], v) for k, v in plain_before.items())
    assert any(not torch.equal(guided_state[k], plain_state[k]) for k in plain_state)
    assert guided.iter == plain.iter == 2  # both ran their whole schedule


def test_the_hook_adds_the_weighted_sdag_gradient(tmp_path):
    """What SDAG changes in training is the gradient the enhancer gets: with the hook, it gains
    exactly ``w * grad L1(E, SDAG(E))`` (the paper's guidance term, written out here with the
    SDAG network loaded from the checkpoint), ``w`` the warm-up weight of the iteration."""
    data = write_dark_images(tmp_path / 'dark')
    ckpt = write_sdag_checkpoint(tmp_path / 'sdag.pth', seed=3)
    cfg = guided_config('configs/sdag/zerodce_sdag.py', tmp_path / 'work', data, ckpt)
    hook_cfg = next(h for h in cfg.custom_hooks if h['type'] == 'SDAGGuidanceHook')
    assert hook_cfg['schedule'] == 'linear'
    runner = build_runner(cfg)
    model = runner.model.double()  # float64: the gradient difference is not lost to rounding
    hook = next(h for h in runner.hooks if isinstance(h, SDAGGuidanceHook))
    params = [p for p in model.enhancer.parameters() if p.requires_grad]
    torch.manual_seed(0)
    x = torch.rand(2, 3, 32, 32, dtype=torch.float64) * 0.3

    def grads(loss):
        return torch.autograd.grad(loss, params, allow_unused=True)

    plain = grads(sum(model.loss(x).values()))
    runner.train_loop._iter = 3  # the fourth iteration of the warm-up
    hook.before_train(runner)
    hook.before_train_iter(runner, 0)
    model.double()
    guided = grads(sum(model.loss(x).values()))

    weight = hook_cfg['loss_weight'] * 4 / hook_cfg['warmup_iters']
    sdag = SemanticAwareNet(checkpoint=str(ckpt)).double()
    sdag.requires_grad_(False)
    enhanced = model.enhancer.forward_train(x)['enhanced']
    term = grads(weight * (enhanced - sdag(enhanced)).abs().mean())
    for p_plain, p_guided, p_term in zip(plain, guided, term):
        torch.testing.assert_close(p_guided - p_plain, p_term, rtol=1e-7, atol=1e-12)
    difference = sum(float((g - p).abs().sum()) for p, g in zip(plain, guided))
    assert difference > 1e-3 * sum(float(p.abs().sum()) for p in plain) * weight
