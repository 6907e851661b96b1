"""Every enhancer config trains the enhancer it benchmarks, apart from declared differences."""
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from sdag_bench.enhancers import build_enhancer_from_config
from sdag_bench.enhancers.training_consistency import (declared_training_differences,
                                                       training_enhancer_mismatch)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIGS = PROJECT_ROOT / 'configs'
ZERODCE_PP = CONFIGS / 'enhancers' / 'zerodce_pp.py'
DECLARATION = 'enhancer=dict(enhancer, scale_factor=1)'


def _trained_and_benchmarked():
    """Config files defining both a top-level ``enhancer`` and a training ``model.enhancer``."""
    found = []
    for path in sorted(CONFIGS.rglob('*.py')):
        cfg = Config.fromfile(str(path))
        if 'enhancer' in cfg and 'enhancer' in (cfg.get('model') or {}):
            found.append(path)
    return found


TRAINED_AND_BENCHMARKED = _trained_and_benchmarked()


def test_the_trained_configs_are_all_checked():
    names = {str(p.relative_to(CONFIGS)) for p in TRAINED_AND_BENCHMARKED}
    assert {'enhancers/zerodce_pp.py', 'enhancers/ruas_lol.py', 'demo_zoo/zerodce_pp.py',
            'demo_zoo/sci_sdag.py', 'sdag/zerodcepp_sdag.py'} <= names


@pytest.mark.parametrize('path', TRAINED_AND_BENCHMARKED,
                         ids=lambda p: str(p.relative_to(CONFIGS)))
def test_model_trains_the_benchmarked_enhancer(path):
    cfg = Config.fromfile(str(path))
    assert training_enhancer_mismatch(cfg) is None
    assert cfg.model.enhancer.type == cfg.enhancer.type


def test_zerodce_pp_declares_its_one_difference():
    cfg = Config.fromfile(str(ZERODCE_PP))
    assert (cfg.enhancer.scale_factor, cfg.model.enhancer.scale_factor) == (12, 1)
    assert declared_training_differences(str(ZERODCE_PP)) == {'scale_factor'}
    # children inherit the declaration of the file that wrote model.enhancer
    assert declared_training_differences(str(CONFIGS / 'sdag' / 'zerodcepp_sdag.py')) == {
        'scale_factor'}
    assert declared_training_differences(str(CONFIGS / 'enhancers' / 'zerodce.py')) == set()


def _undeclared_zerodce_pp(folder: Path) -> Path:
    """configs/enhancers/zerodce_pp.py with its difference written out, not declared."""
    text = ZERODCE_PP.read_text()
    assert DECLARATION in text
    text = text.replace(DECLARATION, "enhancer=dict(type='ZeroDCEPP', scale_factor=1)")
    text = text.replace("'../_base_/", repr(str(CONFIGS / '_base_'))[:-1] + '/')
    path = folder / 'zerodce_pp_undeclared.py'
    path.write_text(text)
    return path


def test_undeclared_difference_is_an_error(tmp_path):
    path = _undeclared_zerodce_pp(tmp_path)
    cfg = Config.fromfile(str(path))
    # the resolved config is the same: only the declaration is gone
    assert cfg.to_dict() == Config.fromfile(str(ZERODCE_PP)).to_dict()
    problem = training_enhancer_mismatch(cfg)
    assert problem.startswith(str(path))
    assert 'scale_factor=1 trained vs 12 benchmarked' in problem
    with pytest.raises(ValueError, match='scale_factor=1 trained vs 12 benchmarked'):
        build_enhancer_from_config(path, checkpoint='')


def _child(folder: Path, base: str, body: str) -> Path:
    path = folder / 'child.py'
    path.write_text(f'_base_ = {str(CONFIGS / base)!r}\n{body}')
    return path


def test_child_changing_enhancer_alone_is_an_error(tmp_path):
    """mmengine keeps the base's model.enhancer when a child redefines ``enhancer``."""
    cfg = Config.fromfile(str(_child(tmp_path, 'enhancers/sci.py',
                                     "enhancer = dict(type='SCI', stages=1)\n")))
    assert cfg.model.enhancer.stages == 3  # what training would have used
    assert 'stages=3 trained vs 1 benchmarked' in training_enhancer_mismatch(cfg)

    cfg = Config.fromfile(str(_child(tmp_path, 'enhancers/zerodce.py',
                                     "enhancer = dict(type='ZeroDCEPP')\n")))
    assert 'model.enhancer trains a ZeroDCE but `enhancer` (what the benchmark builds) is a ' \
        'ZeroDCEPP' in training_enhancer_mismatch(cfg)

    cfg = Config.fromfile(str(_child(
        tmp_path, 'enhancers/sci.py',
        "enhancer = dict(type='SCI', stages=1)\nmodel = dict(enhancer=enhancer)\n")))
    assert training_enhancer_mismatch(cfg) is None


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_train_cli_refuses_an_undeclared_difference(tmp_path):
    path = _undeclared_zerodce_pp(tmp_path)
    # should the check miss it, training stops at once: no images, one iteration
    result = subprocess.run([
        sys.executable, 'tools/train.py', str(path), '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', f'train_dataloader.dataset.data_root={tmp_path / "no_images"}',
        'train_cfg.max_iters=1'
    ], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert f'error: {path}: model.enhancer and `enhancer` differ in scale_factor=1 trained vs ' \
        '12 benchmarked' in result.stderr
    assert not (tmp_path / 'work').exists()
