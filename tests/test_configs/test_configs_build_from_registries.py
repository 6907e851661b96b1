"""Every enhancer, SDAG and demo-zoo config builds through the registries from the config alone,
in a fresh interpreter that has registered nothing: ``MODELS.build(cfg.model)`` under the
config's ``default_scope`` (mmengine imports the project's modules from the registries'
locations) and the project's enhancer builder for the top-level ``enhancer``. Folders are
globbed, so a new config is tested without editing this file."""
import glob
import json
import subprocess
import sys

import pytest

from sdag_bench.utils.paths import PROJECT_ROOT

FOLDERS = ('configs/enhancers', 'configs/sdag', 'configs/demo_zoo')
CONFIGS = sorted(p for folder in FOLDERS for p in glob.glob(str(PROJECT_ROOT / folder / '*.py')))

# runs in a new interpreter: nothing of sdag_bench is imported beforehand
_BUILD_ALL = '''
import json, sys, torch
from mmengine.config import Config
from mmengine.registry import HOOKS, MODELS, init_default_scope
out = {}
for path in sys.argv[1:]:
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'sdag_bench'))  # fragments: the project's
    built = {}
    if 'model' in cfg:
        try:
            built['model'] = type(MODELS.build(cfg.model)).__name__
        except Exception as err:  # weights the model loads at build time, absent here
            if 'checkpoint file not found: ' not in str(err):
                raise
            built['missing'] = str(err).split('checkpoint file not found: ')[1]
    for name in [k for k in cfg if k.endswith('_hook')]:  # a fragment: its hooks
        built[name] = type(HOOKS.build(cfg[name])).__name__
    if 'enhancer' in cfg:
        from sdag_bench.enhancers import build_enhancer_from_config
        enhancer = build_enhancer_from_config(path, checkpoint='')
        with torch.no_grad():
            y = enhancer(torch.rand(1, 3, 32, 48))
        built['enhancer'] = [type(enhancer).__name__, list(y.shape)]
    out[path] = built
print(json.dumps(out))
'''


@pytest.mark.slow  # a fresh interpreter building every config: ~14 s
def test_every_config_builds_from_a_fresh_interpreter():
    assert len(CONFIGS) >= 30
    done = subprocess.run([sys.executable, '-c', _BUILD_ALL] + CONFIGS, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    built = json.loads(done.stdout.strip().splitlines()[-1])
    for path in CONFIGS:
        assert built[path], f'{path}: nothing built'
        assert set(built[path]) & {'model', 'enhancer', 'missing'} or path.endswith(
            'sdag_guidance.py'), built[path]
        if 'enhancer' in built[path]:
            assert built[path]['enhancer'][1] == [1, 3, 32, 48], path
        if 'missing' in built[path]:  # only a file that really is absent excuses a model
            assert not (PROJECT_ROOT / built[path]['missing']).exists(), built[path]
    # the registered classes the configs name are the ones built
    assert built[str(PROJECT_ROOT / 'configs/enhancers/zerodce.py')] == dict(
        model='UnsupervisedEnhancerModel', enhancer=['ZeroDCE', [1, 3, 32, 48]])
    assert built[str(PROJECT_ROOT / 'configs/sdag/sdag_pretrain_demo_detector.py')] == dict(
        model='SDAGPretrainModel')
    assert built[str(PROJECT_ROOT / 'configs/sdag/sdag_guidance.py')] == dict(
        sdag_hook='SDAGGuidanceHook', samples_hook='EnhancedSamplesHook')
