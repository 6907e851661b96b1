"""LoadReferenceImage: the normal-light reference read as RGB, aligned to the (resized) image."""
import numpy as np
from PIL import Image

from sdag_bench.registry import TRANSFORMS


def _save(path, rgb):
    Image.fromarray(rgb).save(path)
    return str(path)


def test_same_size_reference_is_read_as_rgb_chw(tmp_path):
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 256, (6, 10, 3), dtype=np.uint8)
    ref[0, 0] = [255, 0, 0]  # pure red: channel order shows
    out = TRANSFORMS.build(dict(type='LoadReferenceImage'))(
        dict(img=np.zeros((6, 10, 3), np.uint8), ref_path=_save(tmp_path / 'ref.png', ref)))
    assert out['gt_img'].shape == (3, 6, 10) and out['gt_img'].dtype == np.uint8
    np.testing.assert_array_equal(out['gt_img'], ref.transpose(2, 0, 1))
    assert out['gt_img'][:, 0, 0].tolist() == [255, 0, 0]


def test_reference_follows_the_resized_image(tmp_path):
    """After ``Resize`` halves a 16x24 photo, the 16x24 reference is halved too. Built from
    constant 2x2 blocks, its bilinear half-size is exactly one value per block."""
    rng = np.random.default_rng(1)
    blocks = rng.integers(0, 256, (8, 12, 3), dtype=np.uint8)
    ref = blocks.repeat(2, axis=0).repeat(2, axis=1)
    dark = (ref // 4).astype(np.uint8)
    pipeline = [TRANSFORMS.build(t) for t in (
        dict(type='LoadImageRobust'),
        dict(type='Resize', scale=(12, 8), keep_ratio=False),
        dict(type='LoadReferenceImage'))]
    results = dict(img_path=_save(tmp_path / 'dark.png', dark),
                   ref_path=_save(tmp_path / 'ref.png', ref))
    for transform in pipeline:
        results = transform(results)
    assert results['img'].shape == (8, 12, 3)
    np.testing.assert_array_equal(results['gt_img'], blocks.transpose(2, 0, 1))


def test_reference_upscaled_to_a_larger_image(tmp_path):
    ref = np.empty((4, 4, 3), np.uint8)
    ref[:] = [10, 200, 30]
    out = TRANSFORMS.build(dict(type='LoadReferenceImage'))(
        dict(img=np.zeros((9, 7, 3), np.uint8), ref_path=_save(tmp_path / 'ref.png', ref)))
    assert out['gt_img'].shape == (3, 9, 7)
    assert (out['gt_img'].reshape(3, -1).T == [10, 200, 30]).all()


def test_sample_without_reference_passes_through():
    results = dict(img=np.zeros((4, 4, 3), np.uint8))
    out = TRANSFORMS.build(dict(type='LoadReferenceImage'))(dict(results))
    assert 'gt_img' not in out and out.keys() == results.keys()
    assert 'gt_img' not in TRANSFORMS.build(dict(type='LoadReferenceImage'))(
        dict(img=np.zeros((4, 4, 3), np.uint8), ref_path=''))
