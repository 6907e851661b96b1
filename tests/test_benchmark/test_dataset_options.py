"""``--data-root`` / ``--cfg-options``: overrides of the dataset configs, part of the cell key."""
import json
from pathlib import Path

import pytest
from mmengine.config import Config

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.plan.dataset_options import (data_root_options, dataset_cfg_options,
                                                       load_dataset_config, split_label)
from sdag_bench.benchmark.plan.planner import plan_cells

ROOT = Path(__file__).resolve().parents[2]
EXDARK = str(ROOT / 'configs/_base_/datasets/exdark.py')


def _coco_config(tmp_path: Path) -> str:
    """An ExDark dataset config scored with CocoMetric, whose ann_file lies under data_root."""
    path = tmp_path / 'exdark_coco.py'
    path.write_text(f"_base_ = ['{EXDARK}']\ntest_evaluator = _base_.coco_evaluator\n")
    return str(path)


def _converted_root(tmp_path: Path, name: str, info: dict) -> Path:
    root = tmp_path / 'data'
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    (root / 'annotations' / name).write_text(json.dumps(
        dict(info=info, images=[], annotations=[], categories=[])))
    return root


def test_data_root_moves_dataset_and_coco_annotation_file(tmp_path: Path) -> None:
    config = _coco_config(tmp_path)
    options = data_root_options(config, '/elsewhere/exdark')
    cfg = load_dataset_config(config, options)
    assert cfg.test_dataloader.dataset.data_root == '/elsewhere/exdark/'
    # the metric reads the json the dataset reads, not the one under the old root
    assert cfg.test_evaluator.ann_file == '/elsewhere/exdark/annotations/exdark_official_test.json'
    # the config on disk is untouched: the next load without options has the old root
    assert load_dataset_config(config).test_dataloader.dataset.data_root == 'data/exdark/'


def test_missing_json_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='annotations/exdark_official_test.json'):
        dataset_cfg_options(EXDARK, 'exdark', data_root=str(tmp_path))
    root = _converted_root(tmp_path, 'exdark_official_test.json', {})
    with pytest.raises(KeyError, match='test_dataloadr'):
        dataset_cfg_options(EXDARK, 'exdark', data_root=str(root),
                            cfg_options={'test_dataloadr.dataset.ann_file': 'x.json'})
    options = dataset_cfg_options(EXDARK, 'exdark', {'test_dataloader.dataset.skip_bad_images':
                                                     True}, str(root))
    assert options == {'test_dataloader.dataset.skip_bad_images': True,
                       'test_dataloader.dataset.data_root': str(root) + '/'}


def test_split_label_names_the_json_tested(tmp_path: Path) -> None:
    root = _converted_root(tmp_path, 'exdark_8020_seed3_test.json',
                           dict(split='8020', seed=3, subset='test'))
    options = data_root_options(EXDARK, str(root))
    options['test_dataloader.dataset.ann_file'] = 'annotations/exdark_8020_seed3_test.json'
    assert split_label(EXDARK, options, 'official test') == '8020 seed3 test'
    assert split_label(EXDARK, {}, 'official test') == 'official test'


def test_cell_key_covers_the_overrides() -> None:
    def cell(options):
        return CellSpec(EnhancerSpec('identity', str(ROOT / 'configs/enhancers/identity.py')),
                        DatasetSpec('exdark', EXDARK, 'official test', options),
                        DetectorSpec('demo', str(ROOT / 'configs/detectors/demo_retinanet.py')))

    plain = cell({})
    moved = cell({'test_dataloader.dataset.data_root': '/a/'})
    assert plain.key() != moved.key()
    assert moved.key() != cell({'test_dataloader.dataset.data_root': '/b/'}).key()
    assert moved.key() == cell({'test_dataloader.dataset.data_root': '/a/'}).key()


def test_data_root_needs_one_dataset(tmp_path: Path) -> None:
    bench = Config(dict(
        benchmark='two', enhancer_dirs=[str(ROOT / 'configs/enhancers')],
        datasets=dict(a=dict(config=EXDARK), b=dict(config=EXDARK)),
        detectors=dict(demo=dict(config=str(ROOT / 'configs/detectors/demo_retinanet.py')))))
    with pytest.raises(ValueError, match='--data-root needs exactly one dataset'):
        plan_cells(bench, 'identity', data_root=str(tmp_path))
