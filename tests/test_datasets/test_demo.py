import json

import cv2
import numpy as np

from sdag_bench.datasets.demo import DEMO_SPEC, DemoShapesDataset, ensure_demo_set
from sdag_bench.datasets.demo_scenes import DEMO_CLASSES, render_scene

TINY_SPEC = dict(DEMO_SPEC, image_size=96,
                 splits=dict(train=dict(num=6, seed=10), test=dict(num=4, seed=20)))


def test_render_scene_is_deterministic_with_exact_boxes():
    img_a, objs_a = render_scene(123)
    img_b, objs_b = render_scene(123)
    assert np.array_equal(img_a, img_b) and objs_a == objs_b
    assert img_a.shape == (192, 192, 3) and img_a.dtype == np.uint8
    assert 1 <= len(objs_a) <= 5
    for obj in objs_a:
        x, y, w, h = obj['bbox']
        assert 0 <= x and 0 <= y and x + w <= 192 and y + h <= 192 and w > 2 and h > 2
        assert 0 <= obj['label'] < len(DEMO_CLASSES)


def test_scenes_vary_in_class_size_and_count():
    labels, widths, counts = set(), [], set()
    for seed in range(40):
        _, objs = render_scene(seed)
        counts.add(len(objs))
        labels |= {o['label'] for o in objs}
        widths += [o['bbox'][2] for o in objs]
    assert labels == set(range(len(DEMO_CLASSES)))
    assert max(widths) > 2.5 * min(widths)
    assert len(counts) >= 3


def test_ensure_demo_set_generates_once_and_is_reproducible(tmp_path):
    root = ensure_demo_set(tmp_path / 'a', spec=TINY_SPEC, progress=False)
    again = ensure_demo_set(tmp_path / 'b', spec=TINY_SPEC, progress=False)
    for split, n in (('train', 6), ('test', 4)):
        coco = json.load(open(root / 'annotations' / f'{split}.json'))
        assert len(coco['images']) == n
        assert coco == json.load(open(again / 'annotations' / f'{split}.json'))
        for info in coco['images']:
            dark = cv2.imread(str(root / 'dark' / split / info['file_name']))
            normal = cv2.imread(str(root / 'normal' / split / info['file_name']))
            assert np.array_equal(dark, cv2.imread(str(again / 'dark' / split /
                                                       info['file_name'])))
            assert dark.mean() < 0.6 * normal.mean()  # the low-light copy is darker
            assert 'exposure' in info['low_light_params']
    # cached: a second call does not rewrite
    stamp = (root / 'dark' / 'train' / '00000.png').stat().st_mtime_ns
    ensure_demo_set(root, spec=TINY_SPEC, progress=False)
    assert (root / 'dark' / 'train' / '00000.png').stat().st_mtime_ns == stamp
    # a different spec regenerates, leaving no temporary folders
    ensure_demo_set(root, spec=dict(TINY_SPEC, version=99), progress=False)
    assert json.load(open(root / 'spec.json'))['version'] == 99
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.demo-tmp')]


def test_demo_dataset_loads_with_reference_paths(tmp_path):
    root = ensure_demo_set(tmp_path / 'demo', spec=TINY_SPEC, progress=False)
    dataset = DemoShapesDataset(
        data_root=str(root), ann_file='annotations/test.json', data_prefix=dict(img='dark/test/'),
        ref_prefix='normal/test/', test_mode=True, pipeline=[], generate=False)
    assert len(dataset) == 4
    info = dataset.get_data_info(0)
    assert info['img_path'].endswith('dark/test/00000.png')
    assert info['ref_path'].endswith('normal/test/00000.png')
    assert dataset.metainfo['classes'] == DEMO_CLASSES
