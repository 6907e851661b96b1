"""UnpairedImageFolder and PairedImageFolder."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from sdag_bench.datasets.image_folders import (PairedImageFolder, UnpairedImageFolder,
                                               list_images, random_crop)
from sdag_bench.models import EnhancerDataPreprocessor
from sdag_bench.registry import DATASETS


def _write(path, h, w, value=None, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8) if value is None else \
        np.full((h, w, 3), value, np.uint8)
    cv2.imwrite(str(path), img)
    return img


def test_unpaired_lists_recursively_and_crops(tmp_path):
    bgr = _write(tmp_path / 'a.png', 40, 50)
    _write(tmp_path / 'sub' / 'b.JPG', 30, 20)  # smaller than the crop: enlarged first
    (tmp_path / 'notes.txt').write_text('not an image')
    dataset = DATASETS.build(dict(type='UnpairedImageFolder', data_root=str(tmp_path),
                                  crop_size=32, _scope_='sdag_bench'))
    assert [p.split('/')[-1] for p in dataset.paths] == ['a.png', 'b.JPG']
    for i in range(2):
        item = dataset[i]
        assert item['inputs'].shape == (3, 32, 32) and item['inputs'].dtype == torch.uint8
        assert item['data_samples'].img_shape == (32, 32)
    whole = UnpairedImageFolder(str(tmp_path), crop_size=None)[0]
    np.testing.assert_array_equal(whole['inputs'].permute(1, 2, 0).numpy(), bgr[..., ::-1])
    assert len(UnpairedImageFolder(str(tmp_path), recursive=False)) == 1


def test_batches_through_the_preprocessor(tmp_path):
    for i in range(3):
        _write(tmp_path / f'{i}.png', 36, 44, seed=i)
    dataset = UnpairedImageFolder(str(tmp_path), crop_size=(16, 24))
    data = EnhancerDataPreprocessor()(pseudo_collate([dataset[i] for i in range(3)]))
    assert data['inputs'].shape == (3, 3, 16, 24)
    assert data['inputs'].dtype == torch.float32 and data['inputs'].max() <= 1
    assert len(data['data_samples']) == 3


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='make_demo_set'):
        UnpairedImageFolder(str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match='no images'):
        UnpairedImageFolder(str(tmp_path))


def test_paired_same_crop_and_gt(tmp_path):
    low = _write(tmp_path / 'low' / '1.png', 30, 40, seed=1)
    _write(tmp_path / 'high' / '1.png', 30, 40, seed=1)  # same content: crops must coincide
    _write(tmp_path / 'low' / '2.png', 30, 40, seed=2)
    _write(tmp_path / 'high' / '2.png', 30, 40, seed=3)
    dataset = PairedImageFolder(str(tmp_path), crop_size=16)
    assert len(dataset) == 2
    item = dataset[0]
    assert torch.equal(item['inputs'], item['data_samples'].gt_img)
    whole = PairedImageFolder(str(tmp_path))[0]
    np.testing.assert_array_equal(whole['inputs'].permute(1, 2, 0).numpy(), low[..., ::-1])
    data = EnhancerDataPreprocessor()(pseudo_collate([dataset[0], dataset[1]]))
    assert data['data_samples'][0].gt_img.dtype == torch.float32


def test_paired_reports_unmatched_and_size_mismatch(tmp_path):
    _write(tmp_path / 'low' / '1.png', 10, 10)
    _write(tmp_path / 'high' / '1.png', 12, 10)
    _write(tmp_path / 'low' / '2.png', 10, 10)
    with pytest.raises(FileNotFoundError, match='2.png'):
        PairedImageFolder(str(tmp_path))
    (tmp_path / 'low' / '2.png').unlink()
    with pytest.raises(ValueError, match='differ'):
        PairedImageFolder(str(tmp_path))[0]


def test_random_crop_helpers(tmp_path):
    img = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)
    (crop, ) = random_crop([img], (5, 6))
    np.testing.assert_array_equal(crop, img)
    assert random_crop([img], None)[0] is img
    assert list_images(str(tmp_path)) == []
