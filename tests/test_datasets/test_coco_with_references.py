"""CocoWithReferencesDataset: each image's normal-light reference as ``ref_path``; the real-photos
COCO set (coco8 darkened) built from its config points at the original photos."""
import json
from pathlib import Path

import cv2
import pytest
from mmengine.config import Config

from sdag_bench.datasets.coco_with_references import CocoWithReferencesDataset
from sdag_bench.registry import DATASETS
from sdag_bench.utils.paths import PROJECT_ROOT


def _tiny_coco(root: Path) -> None:
    """Two images (one in a sub-folder) with one box each, in ``root/annotations/val.json``."""
    coco = dict(
        images=[dict(id=1, file_name='a.png', width=8, height=6),
                dict(id=2, file_name='sub/b.png', width=8, height=6)],
        annotations=[dict(id=k, image_id=k, category_id=1, bbox=[1, 1, 3, 3], area=9,
                          iscrowd=0) for k in (1, 2)],
        categories=[dict(id=1, name='person')])
    (root / 'annotations').mkdir(parents=True)
    (root / 'annotations' / 'val.json').write_text(json.dumps(coco))


def _dataset(root: Path, **kwargs) -> CocoWithReferencesDataset:
    return CocoWithReferencesDataset(data_root=str(root), ann_file='annotations/val.json',
                                     data_prefix=dict(img='dark/'), test_mode=True, pipeline=[],
                                     **kwargs)


def test_reference_path_per_image(tmp_path: Path):
    _tiny_coco(tmp_path)
    dataset = _dataset(tmp_path, ref_prefix='normal/')
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [info['img_path'] for info in infos] == [str(tmp_path / 'dark/a.png'),
                                                    str(tmp_path / 'dark/sub/b.png')]
    assert [info['ref_path'] for info in infos] == [str(tmp_path / 'normal/a.png'),
                                                    str(tmp_path / 'normal/sub/b.png')]


def test_no_reference_path_without_ref_prefix(tmp_path: Path):
    _tiny_coco(tmp_path)
    dataset = _dataset(tmp_path)
    assert len(dataset) == 2 and 'ref_path' not in dataset.get_data_info(0)


@pytest.mark.assets
def test_real_photos_coco8_references_are_the_original_photos(shared_assets: Path):
    """Each darkened coco8 photo's reference is its normal-light file, of the same size."""
    cfg = Config.fromfile(str(PROJECT_ROOT / 'configs/_base_/datasets/real_photos_coco8.py'))
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[]))
    assert type(dataset).__name__ == 'RealPhotosCocoDataset' and len(dataset) == 8
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        dark, ref = Path(info['img_path']), Path(info['ref_path'])
        assert (dark.parent.name, ref.parent.name, ref.name) == ('dark', 'normal', dark.name)
        assert cv2.imread(str(ref)).shape == cv2.imread(str(dark)).shape
