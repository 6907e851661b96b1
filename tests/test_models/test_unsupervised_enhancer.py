"""UnsupervisedEnhancerModel: modes, losses read at every call, and short CPU trainings."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.runner import Runner
from mmengine.structures import BaseDataElement
from torch import nn
from torch.utils.data import DataLoader

from sdag_bench.datasets.image_folders import UnpairedImageFolder
from sdag_bench.losses import EnhancementLoss
from sdag_bench.models import UnsupervisedEnhancerModel
from sdag_bench.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / 'enhancers'


def _zero_dce_model(**enhancer) -> UnsupervisedEnhancerModel:
    cfg = Config.fromfile(str(CONFIGS / 'zerodce.py'))
    model_cfg = copy.deepcopy(cfg.model.to_dict())
    model_cfg['enhancer'].update(enhancer)
    return MODELS.build(model_cfg)


def test_modes():
    model = _zero_dce_model()
    x = torch.rand(2, 3, 32, 32) * 0.2
    losses = model(x, mode='loss')
    assert set(losses) == {'loss_spa', 'loss_exp', 'loss_col', 'loss_tv'}
    assert all(v.dim() == 0 and torch.isfinite(v) for v in losses.values())
    assert model(x, mode='tensor').shape == x.shape
    meta = [BaseDataElement(metainfo=dict(img_path=f'{i}.png')) for i in range(2)]
    preds = model(x, meta, mode='predict')
    assert [p.img_path for p in preds] == ['0.png', '1.png']
    assert preds[0].pred_img.shape == (3, 32, 32)
    with pytest.raises(ValueError):
        model(x, mode='features')


class _Brightness(EnhancementLoss):
    """A test loss reading the enhanced image, added after construction like SDAG's."""

    def forward(self, enhanced):
        return self.loss_weight * (1 - enhanced.mean())


def test_losses_are_read_at_every_call_and_check_keys():
    model = _zero_dce_model()
    x = torch.rand(1, 3, 16, 16) * 0.2
    model.losses['loss_extra'] = _Brightness(loss_weight=2.0)
    losses = model(x, mode='loss')
    torch.testing.assert_close(losses['loss_extra'], 2 * (1 - model(x).mean()))
    model.losses['loss_bad'] = _Brightness(input_keys=('illumination', ))
    with pytest.raises(KeyError, match='illumination'):
        model(x, mode='loss')


def test_loss_names_must_contain_loss():
    with pytest.raises(ValueError, match='spa'):
        UnsupervisedEnhancerModel(dict(type='ZeroDCE'),
                                  dict(spa=dict(type='SpatialConsistencyLoss')))


def test_data_preprocessor_from_dataset(dark_folder):
    model = _zero_dce_model()
    dataset = UnpairedImageFolder(str(dark_folder), crop_size=24)
    batch = [dataset[i] for i in range(3)]
    data = model.data_preprocessor({'inputs': [b['inputs'] for b in batch],
                                    'data_samples': [b['data_samples'] for b in batch]})
    assert data['inputs'].shape == (3, 3, 24, 24) and data['inputs'].dtype == torch.float32
    assert 0 <= data['inputs'].min() and data['inputs'].max() <= 1


def _train(model: nn.Module, folder: Path, iters: int, optim: OptimWrapper):
    """Train with mmengine's ``train_step`` on one fixed batch of whole images.

    Returns:
        tuple: (total loss per iteration, the float batch).
    """
    dataset = UnpairedImageFolder(str(folder), crop_size=None)
    loader = DataLoader(dataset, batch_size=len(dataset), collate_fn=lambda b: {
        'inputs': [s['inputs'] for s in b], 'data_samples': [s['data_samples'] for s in b]})
    data = next(iter(loader))
    model.train()
    history = [model.train_step(data, optim)['loss'].item() for _ in range(iters)]
    return history, model.data_preprocessor(data)['inputs']


def _brightness(model, inputs) -> float:
    model.eval()
    with torch.no_grad():
        return model(inputs, mode='tensor').mean().item()


@pytest.mark.parametrize('images', ['dark_demo_folder', 'dark_folder'])
def test_zero_dce_training_lowers_loss_and_brightens_toward_target(images, request):
    folder = request.getfixturevalue(images)
    torch.manual_seed(0)
    model = _zero_dce_model()
    first = UnpairedImageFolder(str(folder), None)[0]['inputs']
    before = _brightness(model, model.data_preprocessor({'inputs': [first]})['inputs'])
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    history, batch = _train(model, folder, iters=25, optim=optim)
    after = _brightness(model, batch[:1])
    assert sum(history[-5:]) < sum(history[:5])
    target = 0.6
    assert before < after and abs(after - target) < abs(before - target)


@pytest.mark.parametrize('images, iters', [
    ('dark_folder', 120),
    pytest.param('dark_demo_folder', 400, marks=pytest.mark.slow),
])
def test_sci_training_lowers_loss_and_brightens(images, iters, request):
    """With the config's own optimizer (SCI's Adam, lr 3e-4, gradient clip 5). A 10x larger
    step drives most of the illumination ``sigmoid(.) + x`` past its clamp at 1 within 75
    iterations on the demo scenes; clamped pixels get no gradient, and stay at ``r = x``."""
    folder = request.getfixturevalue(images)
    torch.manual_seed(0)
    cfg = Config.fromfile(str(CONFIGS / 'sci.py'))
    model = MODELS.build(cfg.model.to_dict())
    first = UnpairedImageFolder(str(folder), None)[0]['inputs']
    before = _brightness(model, model.data_preprocessor({'inputs': [first]})['inputs'])
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    history, batch = _train(model, folder, iters=iters, optim=optim)
    assert sum(history[-5:]) < sum(history[:5])
    assert _brightness(model, batch[:1]) > before


@pytest.mark.parametrize('config', ['zerodce.py', 'zerodce_pp.py', 'sci.py', 'ruas.py',
                                    'ruas_lol.py'])
def test_training_configs_run_with_the_runner(config, dark_folder, tmp_path):
    cfg = Config.fromfile(str(CONFIGS / config))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': str(dark_folder),
        'train_dataloader.dataset.crop_size': 24,
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': 2,
        'default_hooks.logger.interval': 1,
    })
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    before = {k: v.clone() for k, v in runner.model.enhancer.state_dict().items()}
    runner.train()
    assert runner.iter == 2
    logs = runner.message_hub.log_scalars
    terms = [logs[f'train/{k}'].current() for k in cfg.model.losses]
    assert all(np.isfinite(terms)) and any(t != 0 for t in terms), terms
    # the logged total is the sum of the logged weighted terms (every term reaches the loss)
    assert logs['train/loss'].current() == pytest.approx(sum(terms), rel=1e-5)
    # and the optimizer stepped: the enhancer left its initial weights
    after = runner.model.enhancer.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
