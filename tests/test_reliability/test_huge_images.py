"""Huge images: a 48 MP photo is downscaled to the enhancer's limit and enhanced; what cannot fit
is refused, never OOM."""
import struct
import zlib

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from PIL import Image

from sdag_bench import register_all_modules
from sdag_bench.models.data_preprocessors.enhanced_det_data_preprocessor import \
    EnhancedDetDataPreprocessor
from sdag_bench.transforms.loading import LoadImageRobust
from sdag_bench.utils.image_io import ImageReadError, decode_image, read_image

DET_ARGS = dict(mean=[0, 0, 0], std=[255, 255, 255], bgr_to_rgb=True, pad_size_divisor=32)


@pytest.fixture(scope='module')
def photo_48mp(tmp_path_factory):
    """An 8000 x 6000 JPEG (smooth, so the file stays small)."""
    ramp_x = np.linspace(0, 60, 8000, dtype=np.float32)[None, :]
    ramp_y = np.linspace(0, 40, 6000, dtype=np.float32)[:, None]
    grey = (ramp_x + ramp_y).astype(np.uint8)
    path = tmp_path_factory.mktemp('huge') / 'dark_8000x6000.jpg'
    Image.fromarray(np.stack([grey, grey // 2, grey], axis=2)).save(path, quality=80)
    return str(path)


def _exdark_test_pipeline() -> Compose:
    register_all_modules()
    init_default_scope('sdag_bench')
    steps = [s for s in Config.fromfile('configs/_base_/datasets/exdark.py').test_pipeline
             if s['type'] != 'LoadAnnotations']  # no label file for this photo
    return Compose(steps)


def test_48mp_photo_goes_through_the_exdark_pipeline_and_an_enhancer(photo_48mp):
    # the benchmark enhances at native size; only a photo over 16.8 MP is downscaled first
    packed = _exdark_test_pipeline()(dict(img_path=photo_48mp, img_id=0))
    assert tuple(packed['inputs'].shape) == (3, 3547, 4729)  # 8000 x 6000 * sqrt(16.8/48)
    sample = packed['data_samples']
    assert sample.ori_shape == (6000, 8000)
    assert sample.scale_factor == pytest.approx((4729 / 8000, 3547 / 6000))
    prep = EnhancedDetDataPreprocessor(enhancer=dict(type='Gamma'), **DET_ARGS)
    out = prep(dict(inputs=[packed['inputs']], data_samples=[sample]))
    enhanced = out['data_samples'][0].enhanced_img
    assert tuple(enhanced.shape) == (3, 3547, 4729) and torch.isfinite(enhanced).all()


def test_48mp_photo_without_resize_is_refused_naming_the_file(photo_48mp):
    image = torch.from_numpy(read_image(photo_48mp)).permute(2, 0, 1).contiguous()
    sample = DetDataSample(metainfo=dict(img_path=photo_48mp, img_shape=(6000, 8000)))
    prep = EnhancedDetDataPreprocessor(enhancer=dict(type='ZeroDCE'), **DET_ARGS)
    with pytest.raises(ValueError, match=r'dark_8000x6000.jpg: 8000 x 6000 \(48.0 MP\) is larger '
                       r'than max_enhance_pixels .*Resize'):
        prep(dict(inputs=[image], data_samples=[sample]))


def _png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header (with a valid CRC) claims ``width`` x ``height``."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack('>I', len(payload)) + kind + payload +
                struct.pack('>I', zlib.crc32(kind + payload) & 0xffffffff))

    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b'\x00\x00\x00\x00')
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', pixels) +
            chunk(b'IEND', b''))


def test_decompression_bomb_is_refused_from_its_header(tmp_path):
    bomb = tmp_path / 'bomb.png'
    bomb.write_bytes(_png_claiming(20000, 20000))  # 400 MP: 1.2 GB if it were decoded
    with pytest.raises(ImageReadError, match=r'bomb.png: too large \(.*400000000 pixels'):
        read_image(bomb)
    loader = LoadImageRobust(skip_bad=True)
    assert loader(dict(img_path=str(bomb))) is None
    assert loader.skipped.by_problem() == {'too large': 1}
    # below Pillow's own bomb limit, our header check refuses before decoding
    with pytest.raises(ImageReadError, match=r'too large \(12000 x 10000 = 120.0 MP > 100 MP'):
        decode_image(_png_claiming(12000, 10000), 'big.png')


def test_max_pixels_is_a_parameter(tmp_path):
    path = tmp_path / 'small.png'
    Image.new('RGB', (40, 30)).save(path)
    data = path.read_bytes()
    with pytest.raises(ImageReadError, match=r'too large \(40 x 30'):
        decode_image(data, str(path), max_pixels=1000)
    assert decode_image(data, str(path), max_pixels=None).shape == (30, 40, 3)
