"""Config layout: each config keeps only what differs from its ``_base_`` files, and every
shared ``_base_`` file says in a header comment what it is for."""
import ast
import glob
import os.path as osp
from pathlib import Path
from typing import Dict, List

import pytest
from mmengine.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: The folders this layout is held to (configs/enhancers, demo_zoo and sdag keep their own).
LAYOUT_DIRS = ('configs/_base_', 'configs/detectors', 'configs/benchmark')
CONFIGS = sorted(p for d in LAYOUT_DIRS
                 for p in glob.glob(str(PROJECT_ROOT / d / '**' / '*.py'), recursive=True))


def _name(path: str) -> str:
    return osp.relpath(path, PROJECT_ROOT)


def _module(path: str) -> ast.Module:
    with open(path, encoding='utf-8') as f:
        return ast.parse(f.read(), filename=path)


def local_bases(path: str) -> List[str]:
    """The ``_base_`` files of a config inside this project (not ``mmdet::`` ones).

    Args:
        path (str): Config file.

    Returns:
        list[str]: Absolute paths of its local bases, in ``_base_`` order.
    """
    for node in _module(path).body:
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == '_base_'):
            bases = ast.literal_eval(node.value)
            bases = [bases] if isinstance(bases, str) else bases
            return [osp.normpath(osp.join(osp.dirname(path), b)) for b in bases if '::' not in b]
    return []


def own_assignments(path: str) -> List[str]:
    """Top-level names a config file assigns itself (``_base_`` and ``__names`` left out, as
    mmengine leaves them out of the config).

    Args:
        path (str): Config file.

    Returns:
        list[str]: The names, in file order.
    """
    return [t.id for node in _module(path).body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)
            and t.id != '_base_' and not t.id.startswith('__')]


def restated_values(path: str) -> Dict[str, str]:
    """The names a config assigns to the very value its local bases already give them.

    Args:
        path (str): Config file.

    Returns:
        dict[str, str]: Restated name -> the base file that gives the value.
    """
    resolved = Config.fromfile(path).to_dict()
    restated = {}
    for base in local_bases(path):
        inherited = Config.fromfile(base).to_dict()
        for name in own_assignments(path):
            if name in inherited and inherited[name] == resolved.get(name):
                restated[name] = _name(base)
    return restated


@pytest.mark.parametrize('config', CONFIGS, ids=_name)
def test_config_keeps_only_what_differs_from_its_bases(config):
    assert restated_values(config) == {}


def test_a_restated_value_is_found(tmp_path):
    base = tmp_path / 'base.py'
    base.write_text("scope = 'sdag_bench'\nloader = dict(batch_size=1, num_workers=0)\n")
    child = tmp_path / 'child.py'
    child.write_text("_base_ = ['./base.py']\nscope = 'sdag_bench'\n"
                     "loader = dict(num_workers=2)\n")
    assert restated_values(str(child)) == {'scope': _name(str(base))}


@pytest.mark.parametrize(
    'config', [p for p in CONFIGS if '/configs/_base_/' in p], ids=_name)
def test_base_file_says_what_it_is_for(config):
    with open(config, encoding='utf-8') as f:
        first = f.readline()
    assert first.startswith('# ') and len(first) > 20, 'a _base_ file opens with a header comment'


@pytest.mark.parametrize('config', [
    'configs/_base_/datasets/darkface_photos.py',
    'configs/_base_/datasets/real_photos_coco8.py',
    'configs/_base_/datasets/real_photos_exdark.py',
    'configs/_base_/datasets/real_photos_unlabelled.py',
    'configs/_base_/datasets/real_photos_lime.py',
    'configs/_base_/datasets/real_photos_darknet_samples.py',
])
def test_real_photo_sets_read_one_photo_at_a_time_in_order(config):
    loader = Config.fromfile(str(PROJECT_ROOT / config)).test_dataloader
    assert (loader.batch_size, loader.num_workers, loader.drop_last) == (1, 0, False)
    assert loader.sampler == dict(type='DefaultSampler', shuffle=False)
    assert loader.dataset.test_mode is True


def test_frozen_test_sets_differ_only_in_their_dataset():
    exdark, darkface = (Config.fromfile(str(
        PROJECT_ROOT / f'configs/_base_/detectors/{name}_frozen_test.py')).to_dict()
        for name in ('exdark', 'darkface'))
    assert {k for k in exdark if exdark[k] != darkface[k]} == {'frozen_test_dataset'}
    assert darkface['frozen_test_dataset'] == dict(
        type='DarkFaceDataset', data_root='data/darkface/',
        ann_file='annotations/darkface_ratio80_seed0_test.json', data_prefix=dict(img='image/'),
        test_mode=True, skip_bad_images=False)


def test_public_set_benchmarks_share_their_protocol():
    exdark, darkface = (Config.fromfile(str(PROJECT_ROOT / f'configs/benchmark/{name}.py'))
                        for name in ('exdark', 'darkface'))
    for key in ('enhancer_dirs', 'primary_metric', 'extra_metrics', 'cost_cfg'):
        assert exdark[key] == darkface[key]
    assert exdark.primary_metric == 'AP50'
    assert exdark.enhancer_dirs == ['configs/enhancers', 'configs/sdag']
