"""LoadImageRobust: drop-in for LoadImageFromFile, errors that name the file, counted skips."""
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from PIL import Image

from sdag_bench.utils.image_io import ImageReadError
from sdag_bench.registry import TRANSFORMS
from sdag_bench.transforms.loading import SKIPPED_IMAGES, LoadImageRobust


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)).save(tmp_path / 'ok.png')
    Image.fromarray(rng.integers(0, 256, (5, 7, 4), dtype=np.uint8), 'RGBA').save(
        tmp_path / 'rgba.png')
    (tmp_path / 'empty.jpg').write_bytes(b'')
    return tmp_path


def test_same_output_as_mmcv_loader(files):
    ours = TRANSFORMS.build(dict(type='LoadImageRobust'))
    assert isinstance(ours, LoadImageRobust)
    theirs = LoadImageFromFile()
    a = ours(dict(img_path=str(files / 'ok.png')))
    b = theirs(dict(img_path=str(files / 'ok.png')))
    np.testing.assert_array_equal(a['img'], b['img'])
    assert a['img'].dtype == np.uint8
    assert a['img_shape'] == b['img_shape'] == (5, 7) and a['ori_shape'] == (5, 7)
    rgba = ours(dict(img_path=str(files / 'rgba.png')))['img']
    assert rgba.shape == (5, 7, 3)
    assert LoadImageRobust(to_float32=True)(dict(img_path=str(files / 'ok.png')))['img'].dtype \
        == np.float32


def test_bad_file_raises_naming_it(files):
    with pytest.raises(ImageReadError, match=r'empty\.jpg: empty file \(0 bytes\)'):
        LoadImageRobust()(dict(img_path=str(files / 'empty.jpg')))
    with pytest.raises(ImageReadError, match='no such file'):
        LoadImageRobust()(dict(img_path=str(files / 'gone.jpg')))


def test_skip_bad_counts(files):
    SKIPPED_IMAGES.clear()
    loader = LoadImageRobust(skip_bad=True)
    assert loader(dict(img_path=str(files / 'empty.jpg'))) is None
    assert loader(dict(img_path=str(files / 'gone.jpg'))) is None
    assert loader(dict(img_path=str(files / 'ok.png')))['img'].shape == (5, 7, 3)
    assert loader.skipped.count == 2 and SKIPPED_IMAGES.count == 2
    assert loader.skipped.by_problem() == {'empty file': 1, 'no such file': 1}
    assert 'skip_bad=True' in repr(loader)
