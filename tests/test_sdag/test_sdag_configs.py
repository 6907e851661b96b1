"""The SDAG configs train on CPU and write checkpoints the benchmark (and SDAG) can load."""
import importlib.util

import pytest
import torch
from mmengine.config import Config

from sdag_bench.sdag.semantic_aware_net import SemanticAwareNet
from sdag_runner_utils import PROJECT_ROOT, build_runner, guided_config, write_dark_images

GUIDED = ['zerodce_sdag', 'zerodcepp_sdag', 'sci_sdag', 'ruas_sdag']


def _export(src, dst) -> None:
    """tools/export_state_dict.py: mmengine checkpoint -> plain state dict."""
    spec = importlib.util.spec_from_file_location('export_state_dict',
                                                  PROJECT_ROOT / 'tools' / 'export_state_dict.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.export(str(src), str(dst))


@pytest.mark.parametrize('name', GUIDED)
def test_guided_config_trains_and_benchmark_loads_it(tmp_path, name):
    from sdag_bench.enhancers.builder import build_enhancer_from_config
    config = f'configs/sdag/{name}.py'
    base = Config.fromfile(str(PROJECT_ROOT / config))
    hooks = [h['type'] for h in base.custom_hooks]
    assert hooks == ['SDAGGuidanceHook', 'EnhancedSamplesHook']
    data = write_dark_images(tmp_path / 'dark')
    # out of the box: the config's own SDAG (the committed project-pretrained one)
    runner = build_runner(guided_config(config, tmp_path / 'work', data, None))
    runner.train()
    assert 'train/loss_sdag' in runner.message_hub.log_scalars
    assert (tmp_path / 'work' / 'samples' / 'iter_000002.png').is_file()
    exported = tmp_path / f'{name}.pth'
    _export(tmp_path / 'work' / 'iter_2.pth', exported)
    state = torch.load(exported, weights_only=True)['state_dict']
    assert not any('sdag' in key for key in state)  # the frozen SDAG is not saved with E
    enhancer = build_enhancer_from_config(str(PROJECT_ROOT / config), checkpoint=str(exported))
    trained = runner.model.enhancer.state_dict()
    for key, value in enhancer.state_dict().items():
        assert torch.equal(value, trained[key]), key


def test_pretrain_config_trains_and_exports(tmp_path):
    torch.manual_seed(0)
    vgg = SemanticAwareNet().extractor.layers
    vgg_file = tmp_path / 'vgg16.pth'
    torch.save({f'features.{i}.{p}': getattr(vgg[i], p) for i in (0, 2)
                for p in ('weight', 'bias')}, vgg_file)
    data = write_dark_images(tmp_path / 'normal', num=4)
    cfg = guided_config('configs/sdag/sdag_pretrain.py', tmp_path / 'work', data, None,
                        crop_size=16)
    cfg.model.net.extractor.checkpoint = str(vgg_file)
    runner = build_runner(cfg)
    runner.train()
    logs = runner.message_hub.log_scalars
    assert {'train/loss_recon', 'train/loss_recon_gamma', 'train/loss_margin_gamma',
            'train/loss_recon_noise', 'train/loss_margin_noise'} <= set(logs)
    exported = tmp_path / 'sdag_pretrain.pth'
    _export(tmp_path / 'work' / 'iter_2.pth', exported)
    net = SemanticAwareNet(checkpoint=str(exported))
    trained = runner.model.net
    torch.testing.assert_close(net.out_conv.weight, trained.out_conv.weight)
    torch.testing.assert_close(net.extractor.layers[0].weight, vgg[0].weight)


def test_pretrain_on_the_demo_detector_trains(tmp_path):
    """The paper's variant: SDAG on the stem of the benchmark's detector (random weights here)."""
    from sdag_bench.registry import MODELS
    det_cfg = PROJECT_ROOT / 'configs' / 'detectors' / 'demo_retinanet.py'  # committed: no skip
    torch.manual_seed(0)
    detector = MODELS.build(Config.fromfile(str(det_cfg)).model)
    det_ckpt = tmp_path / 'demo_retinanet.pth'
    torch.save({'state_dict': detector.state_dict()}, det_ckpt)
    data = write_dark_images(tmp_path / 'normal', num=4)
    cfg = guided_config('configs/sdag/sdag_pretrain_demo_detector.py', tmp_path / 'work', data,
                        None, crop_size=32)
    cfg.model.net.extractor.checkpoint = str(det_ckpt)
    runner = build_runner(cfg)
    runner.train()
    assert 'train/loss_margin_gamma' in runner.message_hub.log_scalars
    stem_weight = runner.model.net.extractor.layers[0].weight
    torch.testing.assert_close(stem_weight, detector.backbone.conv1.weight)


def test_variant_configs_parse():
    lowlight = Config.fromfile(str(PROJECT_ROOT / 'configs/sdag/sdag_pretrain_lowlight.py'))
    assert len(lowlight.model.degradations) == 6
    detector = Config.fromfile(str(PROJECT_ROOT / 'configs/sdag/sdag_pretrain_demo_detector.py'))
    assert detector.model.net.extractor.type == 'DetectorStem'
    assert 'checkpoint' not in detector.model.net  # _delete_ dropped the VGG net
