"""DarkFaceDataset: converted json in, pipeline out, unreadable images dropped and counted."""
from pathlib import Path

import pytest
from mmengine.config import Config
from PIL import Image

from sdag_bench.datasets.converters.darkface import convert_darkface
from sdag_bench.datasets.darkface import DarkFaceDataset
from sdag_bench.registry import DATASETS

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def converted(tmp_path: Path):
    (tmp_path / 'image').mkdir()
    (tmp_path / 'label').mkdir()
    for stem in ('1', '2', '3'):
        Image.new('RGB', (64, 48), (10, 10, 10)).save(tmp_path / 'image' / f'{stem}.png')
        (tmp_path / 'label' / f'{stem}.txt').write_text('1\n4 4 20 30\n')
    paths, _ = convert_darkface(tmp_path, tmp_path / 'ann', train_ratio=0.0, seed=0)
    return tmp_path, paths['test']


def _dataset(root: Path, ann_file: Path, **kwargs) -> DarkFaceDataset:
    cfg = Config.fromfile(PROJECT / 'configs/_base_/datasets/darkface.py')
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.update(data_root='', ann_file=str(ann_file),
                       data_prefix=dict(img=str(root / 'image') + '/'), **kwargs)
    return DATASETS.build(dataset_cfg)


def test_loads_through_pipeline(converted):
    root, ann_file = converted
    dataset = _dataset(root, ann_file)
    assert isinstance(dataset, DarkFaceDataset) and len(dataset) == 3
    assert dataset.metainfo['classes'] == ('face', )
    assert dataset.metainfo['split_info']['split'] == 'ratio0'
    item = dataset[0]
    assert tuple(item['inputs'].shape[1:]) == (48, 64)  # native size: detectors resize
    assert item['data_samples'].gt_instances.bboxes.tensor.tolist() == [[4, 4, 20, 30]]


def test_skip_bad_images_counts(converted):
    root, ann_file = converted
    (root / 'image' / '2.png').write_bytes(b'')
    png = (root / 'image' / '3.png').read_bytes()
    (root / 'image' / '3.png').write_bytes(png[:len(png) // 2])
    dataset = _dataset(root, ann_file, skip_bad_images=True)
    assert len(dataset) == 1
    assert dataset.bad_images.count == 2
    assert sorted(Path(p).name for p, _ in dataset.bad_images.entries) == ['2.png', '3.png']
    with pytest.raises(OSError, match='2.png: empty file'):
        _dataset(root, ann_file)[1]


def test_a_subset_decodes_only_its_own_images(converted, monkeypatch):
    """With ``indices`` the bad-image check reads the chosen images only (a 12-photo subset of
    the 600-photo ExDark split decoded all 600 at build), and an index names the same image of
    the annotation file whether or not another image is unreadable."""
    import sdag_bench.datasets.checked_coco as checked_coco
    root, ann_file = converted
    (root / 'image' / '1.png').write_bytes(b'')  # unreadable, not chosen
    (root / 'image' / '3.png').write_bytes(b'')  # unreadable, chosen
    read = []
    real_read = checked_coco.read_image
    monkeypatch.setattr(checked_coco, 'read_image', lambda path: read.append(path) or
                        real_read(path))
    dataset = _dataset(root, ann_file, skip_bad_images=True, indices=[1, 2])
    assert sorted(Path(p).name for p in read) == ['2.png', '3.png']
    assert [Path(dataset.get_data_info(i)['img_path']).name for i in range(len(dataset))] == \
        ['2.png']
    assert [Path(p).name for p, _ in dataset.bad_images.entries] == ['3.png']
