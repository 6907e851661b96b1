"""tools/train.py fine-tunes a detector behind a frozen enhancer (``frozen_enhancer`` config key).

A probe hook (written into a temporary module, imported by the run) records, after every
training iteration, whether the enhancer is in eval mode and gradient-free, and saves its
weights at the end; the test compares them with the enhancer checkpoint read independently,
checks the saved detector checkpoint holds the detector's keys only (those of the normal-light
demo detector it started from), that the detector did change, and that the checkpoint's
``meta['frozen_enhancer']`` names the enhancer config and the sha256 of its weights file, also
after ``tools/export_state_dict.py`` and under ``weights_only=True``.
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / 'configs' / 'detectors' / 'demo_retinanet_finetuned.py'
ENHANCER_CONFIG = 'configs/demo_zoo/zerodce.py'
ENHANCER_CHECKPOINT = 'checkpoints/demo_zoo/zerodce_s0.pth'
START = PROJECT_ROOT / 'checkpoints' / 'demo_retinanet.pth'

PROBE = '''
import json
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def _enhancer(model):
    for module in model.modules():
        if type(module).__name__ == 'FrozenEnhancerDetDataPreprocessor':
            return module.enhancer
    raise AssertionError('no FrozenEnhancerDetDataPreprocessor in the model')


@HOOKS.register_module()
class EnhancerProbeHook(Hook):
    def __init__(self, out):
        self.out = out
        self.iters = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        enhancer = _enhancer(runner.model)
        self.iters.append(dict(
            training=enhancer.training,
            requires_grad=any(p.requires_grad for p in enhancer.parameters()),
            has_grad=any(p.grad is not None for p in enhancer.parameters())))

    def after_train(self, runner):
        torch.save(_enhancer(runner.model).state_dict(), self.out + '.pt')
        with open(self.out + '.json', 'w') as f:
            json.dump(self.iters, f)
'''


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_config(tmp_path: Path) -> Path:
    (tmp_path / 'probe_hook.py').write_text(PROBE)
    config = tmp_path / 'finetune_probe.py'
    config.write_text(
        f'_base_ = [{str(CONFIG)!r}]\n'
        "custom_imports = dict(imports=['probe_hook'], allow_failed_imports=False)\n"
        f"custom_hooks = [dict(type='EnhancerProbeHook', out={str(tmp_path / 'probe')!r})]\n")
    return config


def _train(tmp_path: Path, *options: str) -> subprocess.CompletedProcess:
    from sdag_bench.datasets.demo import ensure_demo_set
    ensure_demo_set(PROJECT_ROOT / 'data' / 'demo', progress=False)
    cmd = [sys.executable, 'tools/train.py', str(_write_config(tmp_path)),
           '--work-dir', str(tmp_path / 'work'), '--seed', '0', '--cfg-options',
           'train_dataloader.dataset.indices=4', 'train_dataloader.batch_size=2', *options]
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')]))
    return subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=900)


# a detector fine-tuned for a few iterations through tools/train.py: ~10 s (the refusal below keeps
# the fast tier's test of this path)
@pytest.mark.slow
def test_finetune_behind_frozen_zerodce_keeps_it_frozen_and_out_of_the_checkpoint(tmp_path):
    result = _train(tmp_path, f'frozen_enhancer.config={ENHANCER_CONFIG}',
                    f'frozen_enhancer.checkpoint={ENHANCER_CHECKPOINT}')
    assert result.returncode == 0, result.stderr[-3000:]

    # frozen: eval mode and no gradient at every iteration, weights equal to the file's
    iters = json.loads((tmp_path / 'probe.json').read_text())
    assert len(iters) == 2  # 4 images, batch 2, one epoch
    assert all(not it['training'] and not it['requires_grad'] and not it['has_grad']
               for it in iters), iters
    after = torch.load(tmp_path / 'probe.pt', map_location='cpu', weights_only=True)
    original = torch.load(PROJECT_ROOT / ENHANCER_CHECKPOINT, map_location='cpu',
                          weights_only=True)['state_dict']
    original = {k[len('enhancer.'):]: v for k, v in original.items()
                if k.startswith('enhancer.')} or original
    assert after.keys() == original.keys()
    for key in after:
        assert torch.equal(after[key], original[key].to(after[key].dtype)), key

    # the checkpoint: the detector's keys only (as in the weights it started from), changed
    ckpt_path = tmp_path / 'work' / 'epoch_1.pth'
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=True)
    start = torch.load(START, map_location='cpu', weights_only=True)['state_dict']
    state = ckpt['state_dict']
    assert not [k for k in state if 'enhancer' in k]
    assert set(state) == set(start)
    assert any(not torch.equal(state[k].float(), start[k].float())
               for k in state if state[k].is_floating_point())

    # the record, and the same after export
    expected = dict(name='zerodce', config=ENHANCER_CONFIG, type='ZeroDCE',
                    checkpoint=ENHANCER_CHECKPOINT,
                    checkpoint_sha256=_sha256(PROJECT_ROOT / ENHANCER_CHECKPOINT))
    assert ckpt['meta']['frozen_enhancer'] == expected
    exported = tmp_path / 'exported.pth'
    run = subprocess.run([sys.executable, 'tools/export_state_dict.py', str(ckpt_path),
                          str(exported)], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    plain = torch.load(exported, map_location='cpu', weights_only=True)
    assert plain['meta']['frozen_enhancer'] == expected
    assert set(plain['state_dict']) == set(start)


def test_unknown_frozen_enhancer_key_is_refused_naming_the_config(tmp_path, capsys,
                                                                  monkeypatch):
    """tools/train.py's ``main`` in this process: the refusal comes before any training."""
    from tools.train import main
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(PROJECT_ROOT)
    code = main([str(_write_config(tmp_path)), '--work-dir', str(tmp_path / 'work'),
                 '--cfg-options', f'frozen_enhancer.config={ENHANCER_CONFIG}',
                 'frozen_enhancer.weights=x.pth'])
    err = capsys.readouterr().err
    assert code == 2
    assert 'frozen_enhancer has unknown keys' in err
    assert "'weights'" in err and 'finetune_probe.py' in err
    assert not (tmp_path / 'work').exists()
