"""Robust image reading: every awkward input gives its documented outcome."""
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from sdag_bench.utils.image_io import (BadImageLog, ImageReadError, read_image, read_image_size,
                                       try_read_image)


def _rgb(h: int = 6, w: int = 8) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_png_matches_opencv(tmp_path):
    Image.fromarray(_rgb()).save(tmp_path / 'a.png')
    out = read_image(tmp_path / 'a.png')
    assert out.dtype == np.uint8 and out.shape == (6, 8, 3) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, cv2.imread(str(tmp_path / 'a.png')))
    np.testing.assert_array_equal(read_image(tmp_path / 'a.png', 'rgb'), _rgb())


def test_exif_orientation_applied(tmp_path):
    image = Image.fromarray(_rgb(4, 10))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    image.save(tmp_path / 'r.jpg', exif=exif, quality=100)
    assert read_image(tmp_path / 'r.jpg').shape == (10, 4, 3)
    assert read_image_size(tmp_path / 'r.jpg') == (4, 10)


def test_grey_and_rgba(tmp_path):
    Image.fromarray(np.full((3, 5), 77, np.uint8)).save(tmp_path / 'g.png')
    assert (read_image(tmp_path / 'g.png') == 77).all()
    rgba = np.dstack([_rgb(), np.zeros((6, 8), np.uint8)])  # fully transparent
    Image.fromarray(rgba, 'RGBA').save(tmp_path / 'a.png')
    out = read_image(tmp_path / 'a.png', 'rgb')
    np.testing.assert_array_equal(out, _rgb())  # alpha discarded, colours kept


def test_16bit_png_keeps_high_byte(tmp_path):
    grey = (np.arange(15, dtype=np.uint16).reshape(3, 5) * 4000)
    Image.fromarray(grey).save(tmp_path / 'g16.png')
    assert Image.open(tmp_path / 'g16.png').mode.startswith('I')
    out = read_image(tmp_path / 'g16.png')
    assert out.dtype == np.uint8 and out.shape == (3, 5, 3)
    np.testing.assert_array_equal(out[..., 0], (grey >> 8).astype(np.uint8))
    colour = (np.arange(3 * 4 * 3, dtype=np.uint16).reshape(3, 4, 3) * 1500)
    cv2.imwrite(str(tmp_path / 'c16.png'), colour)  # 48-bit PNG, BGR order
    np.testing.assert_array_equal(read_image(tmp_path / 'c16.png'), (colour >> 8).astype(np.uint8))


def test_cmyk_jpeg(tmp_path):
    Image.new('CMYK', (8, 8), (255, 0, 0, 0)).save(tmp_path / 'c.jpg', quality=95)
    out = read_image(tmp_path / 'c.jpg', 'rgb')
    assert out.shape == (8, 8, 3)
    assert np.abs(out.astype(int) - [0, 255, 255]).max() <= 3  # pure cyan


def test_truncated_jpeg(tmp_path):
    Image.fromarray(_rgb(64, 64)).save(tmp_path / 'full.jpg', quality=90)
    data = (tmp_path / 'full.jpg').read_bytes()
    (tmp_path / 't.jpg').write_bytes(data[:len(data) // 2])
    with pytest.raises(ImageReadError, match=r't\.jpg: truncated or corrupt image data') as err:
        read_image(tmp_path / 't.jpg')
    assert err.value.path.endswith('t.jpg')
    # the header is intact, so the size is still readable
    assert read_image_size(tmp_path / 't.jpg') == (64, 64)


@pytest.mark.parametrize('content,problem', [(b'', 'empty file (0 bytes)'),
                                             (b'not an image at all', 'not a recognised image'),
                                             (None, 'no such file')])
def test_bad_files(tmp_path, content, problem):
    path = tmp_path / 'bad.png'
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    assert err.value.problem == problem
    assert str(err.value) == f'{path}: {problem}'
    with pytest.raises(ImageReadError, match=problem.split(' (')[0]):
        read_image_size(path)


def test_try_read_image_counts(tmp_path):
    (tmp_path / 'z.jpg').write_bytes(b'')
    Image.fromarray(_rgb()).save(tmp_path / 'ok.png')
    log = BadImageLog()
    assert try_read_image(tmp_path / 'z.jpg', log) is None
    assert try_read_image(tmp_path / 'missing.jpg', log) is None
    assert try_read_image(tmp_path / 'ok.png', log).shape == (6, 8, 3)
    assert log.count == 2
    assert log.by_problem() == {'empty file': 1, 'no such file': 1}
    assert Path(log.entries[0][0]).name == 'z.jpg'
