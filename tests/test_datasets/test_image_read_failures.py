"""Every read failure is an ``ImageReadError`` naming the file (or, when asked, a counted skip):
symbolic link loops, paths through a file, 0-byte and 100000 x 100000 PNGs, through the same
loading transform the dataset configs use."""
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from sdag_bench.utils.image_io import ImageReadError, read_image, read_image_size
from sdag_bench.registry import TRANSFORMS
from sdag_bench.transforms.loading import SKIPPED_IMAGES, LoadImageRobust

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack(
        '>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_huge_png_header(path: Path, side: int = 100_000) -> Path:
    """A valid PNG header claiming ``side`` x ``side`` RGB pixels (a 30 GB decode), 60 bytes."""
    ihdr = struct.pack('>IIBBBBB', side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + _chunk(b'IHDR', ihdr) +
                     _chunk(b'IDAT', zlib.compress(b'\x00' * 16)) + _chunk(b'IEND', b''))
    return path


@pytest.fixture
def bad_files(tmp_path):
    """name -> (path, expected problem) for inputs that are not plain decode failures."""
    loop = tmp_path / 'loop.png'
    loop.symlink_to(tmp_path / 'loop.png')  # points at itself: ELOOP on open
    (tmp_path / 'file.png').write_bytes(b'')
    through_file = tmp_path / 'file.png' / 'child.png'  # ENOTDIR
    (tmp_path / 'empty.png').write_bytes(b'')
    return {
        'loop': (loop, 'symbolic link loop'),
        'through_file': (through_file, 'cannot read (Not a directory)'),
        'empty': (tmp_path / 'empty.png', 'empty file (0 bytes)'),
        'huge': (write_huge_png_header(tmp_path / 'huge.png'), 'too large'),
    }


@pytest.mark.parametrize('name', ['loop', 'through_file', 'empty', 'huge'])
def test_read_failures_are_image_read_errors_naming_the_file(bad_files, name):
    path, problem = bad_files[name]
    for read in (read_image, read_image_size, lambda p: LoadImageRobust()(dict(img_path=str(p)))):
        with pytest.raises(ImageReadError) as err:
            read(path)
        assert err.value.path == str(path) and str(path) in str(err.value)
        assert err.value.problem.startswith(problem), err.value.problem


def test_skip_bad_skips_and_counts_every_kind(bad_files):
    SKIPPED_IMAGES.clear()
    loader = LoadImageRobust(skip_bad=True)
    for path, _ in bad_files.values():
        assert loader(dict(img_path=str(path))) is None
    assert loader.skipped.count == SKIPPED_IMAGES.count == len(bad_files)
    assert [entry[0] for entry in loader.skipped.entries] == [
        str(path) for path, _ in bad_files.values()]


@pytest.mark.parametrize('pipeline', ['train_pipeline', 'test_pipeline'])
def test_demo_dataset_config_loads_through_the_robust_loader(bad_files, tmp_path, pipeline):
    """The demo config's own first transform names a 0-byte or huge PNG (mmcv's loader gave a
    bare cv2 error) and still reads a good PNG exactly."""
    cfg = Config.fromfile(str(PROJECT_ROOT / 'configs/_base_/datasets/demo.py'))
    load = TRANSFORMS.build(cfg[pipeline][0])
    for name in ('empty', 'huge'):
        path, problem = bad_files[name]
        with pytest.raises(ImageReadError, match=re.escape(f'{path.name}: {problem}')):
            load(dict(img_path=str(path)))
    rgb = np.random.default_rng(0).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / 'ok.png')
    np.testing.assert_array_equal(load(dict(img_path=str(tmp_path / 'ok.png')))['img'],
                                  rgb[..., ::-1])


def test_no_config_loads_images_with_mmcv_loaders():
    """Every config under configs/ reads images through LoadImageRobust (named errors) — except
    the detector configs' own test pipelines, which name mmdet's LoadImageFromFile because
    mmdet's DetInferencer requires it by name; the benchmark never runs their loading step (it
    applies only their resize/pad to the image its dataset config loaded,
    run/detector_transforms.py)."""
    detectors = PROJECT_ROOT / 'configs' / 'detectors'
    offenders = [f'{path.relative_to(PROJECT_ROOT)}:{number}'
                 for path in sorted((PROJECT_ROOT / 'configs').rglob('*.py'))
                 if detectors not in path.parents
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if "'LoadImageFromFile'" in line or '"LoadImageFromFile"' in line]
    assert not offenders, f'configs loading with mmcv LoadImageFromFile: {offenders}'
