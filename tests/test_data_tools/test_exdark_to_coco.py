"""ExDark converters: a fake raw tree with every bad-input case, YOLO form, and the real labels."""
import importlib.util
import io
import json
import pickle
import re
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sdag_bench.datasets.converters.exdark import convert_exdark, normalise_class
from sdag_bench.datasets.converters.exdark_yolo import convert_exdark_yolo
from sdag_bench.datasets.converters.image_sizes import read_ultralytics_cache
from sdag_bench.datasets.converters.report import StrictConversionError

TAIL = ' 0 0 0 0 0 0 0'
CLI = Path(__file__).resolve().parents[2] / 'data_tools' / 'exdark_to_coco.py'
HEADER = '% bbGt version=3\n'
CATEGORIES = [dict(id=i + 1, name=n) for i, n in enumerate(
    ['Bicycle', 'Boat', 'Bottle', 'Bus', 'Car', 'Cat', 'Chair', 'Cup', 'Dog', 'Motorbike',
     'People', 'Table'])]


def exdark_cli(argv):
    spec = importlib.util.spec_from_file_location('exdark_to_coco', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def _image(path: Path, width: int, height: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = 'PNG' if path.suffix.lower() == '.png' else 'JPEG'
    Image.new('RGB', (width, height), (20, 10, 5)).save(path, fmt)


def _text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def raw_tree(tmp_path: Path) -> Path:
    """A raw ExDark tree: mixed extensions, aliases, every defect the converter knows."""
    img, ann = tmp_path / 'ExDark', tmp_path / 'ExDark_Annno'
    _image(img / 'Bicycle/2015_00001.jpg', 100, 80)
    _text(ann / 'Bicycle/2015_00001.jpg.txt',
          HEADER + f'Bicycle 10 10 20 30{TAIL}\npeople 5 5 10 10{TAIL}\nPEOPLE 0 0 5 5{TAIL}\n')
    _image(img / 'Bicycle/2015_00002.JPG', 60, 40)  # annotation says .jpg
    _text(ann / 'Bicycle/2015_00002.jpg.txt',
          HEADER + f'Bicycle 50 30 20 20{TAIL}\n'  # line 2: clipped to 10 x 10
          f'Car 70 10 5 5{TAIL}\n'  # line 3: entirely outside -> dropped
          f'Car 10 10 0 5{TAIL}\n'  # line 4: zero width -> dropped
          f'Unicorn 1 1 5 5{TAIL}\n'  # line 5: unknown class
          'Car 1 2 x 4\n'  # line 6: malformed
          '\n'
          'Car 1 2\n')  # line 8: malformed
    _image(img / 'Boat/2015_00003.jpeg', 50, 50)
    _text(ann / 'Boat/2015_00003.jpeg.txt', HEADER)  # no boxes: kept as a negative image
    _image(img / 'Boat/2015_00004.JPEG', 40, 30)  # no annotation file -> dropped
    _image(img / 'Cup/2015_00005.png', 32, 32)
    _text(ann / 'Cup/2015_00005.png.txt', HEADER + f'Cup 1 1 10 10{TAIL}\n')
    _text(ann / 'Cup/2015_00006.jpg.txt', HEADER + f'Cup 1 1 10 10{TAIL}\n')  # no image
    _text(tmp_path / 'imageclasslist.txt',
          'Name | Class | Light | In/Out | Train/Val/Test\r\n'
          '2015_00001.jpg 1 2 1 1\r\n2015_00002.JPG 1 3 2 2\r\n2015_00003.jpeg 2 1 2 3\r\n'
          '2015_00004.JPEG 2 1 2 1\r\n2015_00005.png 8 4 1 3\r\n2015_00006.jpg 8 4 1 2\r\n'
          'garbage row\r\n')
    return tmp_path


def _convert(root: Path, **kwargs):
    return convert_exdark(root / 'ExDark_Annno', root / 'ExDark', root / 'out',
                          image_list=root / 'imageclasslist.txt', **kwargs)


def _load(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def test_official_split_json_exact(raw_tree):
    paths, report = _convert(raw_tree)
    info = dict(dataset='ExDark', split='official', seed=None, source='bbgt', strict=False,
                classes=[c['name'] for c in CATEGORIES])
    train = _load(paths['train'])
    assert train == dict(
        info=dict(info, subset='train'),
        images=[dict(id=1, file_name='Bicycle/2015_00001.jpg', width=100, height=80,
                     image_class='Bicycle', light=2, in_out=1)],
        annotations=[
            dict(id=1, image_id=1, category_id=1, bbox=[10, 10, 20, 30], area=600, iscrowd=0),
            dict(id=2, image_id=1, category_id=11, bbox=[5, 5, 10, 10], area=100, iscrowd=0),
            dict(id=3, image_id=1, category_id=11, bbox=[0, 0, 5, 5], area=25, iscrowd=0)],
        categories=CATEGORIES)
    val = _load(paths['val'])
    assert val['images'] == [dict(id=2, file_name='Bicycle/2015_00002.JPG', width=60, height=40,
                                  image_class='Bicycle', light=3, in_out=2)]
    assert val['annotations'] == [
        dict(id=1, image_id=2, category_id=1, bbox=[50, 30, 10, 10], area=100, iscrowd=0)]
    test = _load(paths['test'])
    assert [i['file_name'] for i in test['images']] == ['Boat/2015_00003.jpeg',
                                                        'Cup/2015_00005.png']
    assert [i['id'] for i in test['images']] == [3, 4]
    assert test['annotations'] == [
        dict(id=1, image_id=4, category_id=8, bbox=[1, 1, 10, 10], area=100, iscrowd=0)]
    assert report.counts == dict(train=dict(images=1, boxes=3), val=dict(images=1, boxes=1),
                                 test=dict(images=2, boxes=1))


def test_every_defect_reported_with_file_and_line(raw_tree):
    _, report = _convert(raw_tree)
    found = {(f.kind, f.file, f.line) for f in report.findings}
    assert found == {
        ('malformed_line', 'imageclasslist.txt', 8),
        ('class_alias', 'Bicycle/2015_00001.jpg.txt', 3),
        ('class_alias', 'Bicycle/2015_00001.jpg.txt', 4),
        ('out_of_image', 'Bicycle/2015_00002.jpg.txt', 2),
        ('zero_area', 'Bicycle/2015_00002.jpg.txt', 3),
        ('zero_area', 'Bicycle/2015_00002.jpg.txt', 4),
        ('unknown_class', 'Bicycle/2015_00002.jpg.txt', 5),
        ('malformed_line', 'Bicycle/2015_00002.jpg.txt', 6),
        ('malformed_line', 'Bicycle/2015_00002.jpg.txt', 8),
        ('extension_mismatch', 'Bicycle/2015_00002.jpg.txt', None),
        ('no_boxes', 'Boat/2015_00003.jpeg.txt', None),
        ('no_image', 'Cup/2015_00006.jpg.txt', None),
        ('no_annotation_file', 'Boat/2015_00004.JPEG', None),
    }
    assert report.mapped == {'people': 'People', 'PEOPLE': 'People'}
    clipped = next(f for f in report.findings if f.kind == 'out_of_image')
    assert clipped.action == 'clipped to [50, 30, 60, 40]'
    saved = _load(raw_tree / 'out/exdark_official_report.json')
    assert saved['kinds']['malformed_line'] == 3
    assert saved['mapped'] == {'PEOPLE': dict(to='People', boxes=1),
                               'people': dict(to='People', boxes=1)}


def test_strict_refuses_and_writes_nothing(raw_tree, capsys):
    with pytest.raises(StrictConversionError) as err:
        _convert(raw_tree, strict=True)
    assert len(err.value.findings) == 10  # all 13 but the two aliases and the extension
    assert 'Bicycle/2015_00002.jpg.txt:5: [unknown_class]' in str(err.value)
    assert not (raw_tree / 'out').exists()
    status = exdark_cli(['--annotations', str(raw_tree / 'ExDark_Annno'), '--images',
                         str(raw_tree / 'ExDark'), '--image-list',
                         str(raw_tree / 'imageclasslist.txt'), '--out', str(raw_tree / 'o'),
                         '--strict'])
    assert status == 1 and 'strict mode refuses 10 defect(s)' in capsys.readouterr().err


def test_clean_tree_passes_strict(tmp_path):
    _image(tmp_path / 'ExDark/Dog/a.jpg', 20, 20)
    _text(tmp_path / 'ExDark_Annno/Dog/a.jpg.txt', HEADER + f'Dog 1 1 5 5{TAIL}\n')
    _text(tmp_path / 'imageclasslist.txt', 'Name | Class\na.jpg 9 1 1 3\n')
    paths, report = _convert(tmp_path, strict=True)
    assert report.defects() == []
    assert _load(paths['test'])['annotations'][0]['category_id'] == 9


def test_8020_split_seeded(raw_tree):
    paths, _ = _convert(raw_tree, split='8020', seed=7)
    assert Path(paths['train']).name == 'exdark_8020_seed7_train.json'
    train, test = _load(paths['train']), _load(paths['test'])
    assert train['info']['split'] == '8020' and train['info']['seed'] == 7
    assert (len(train['images']), len(test['images'])) == (3, 1)
    names = {i['file_name'] for i in train['images'] + test['images']}
    assert len(names) == 4
    again, _ = convert_exdark(raw_tree / 'ExDark_Annno', raw_tree / 'ExDark', raw_tree / 'o2',
                              split='8020', seed=7)  # no list: same split, list not needed
    assert [i['file_name'] for i in _load(again['test'])['images']] == \
        [i['file_name'] for i in test['images']]
    seeds = {tuple(i['file_name'] for i in _load(convert_exdark(
        raw_tree / 'ExDark_Annno', raw_tree / 'ExDark', raw_tree / f's{s}', split='8020',
        seed=s)[0]['test'])['images']) for s in range(6)}
    assert len(seeds) > 1  # the seed matters


def test_official_without_list_refused(raw_tree):
    with pytest.raises(ValueError, match='imageclasslist'):
        convert_exdark(raw_tree / 'ExDark_Annno', raw_tree / 'ExDark', raw_tree / 'o')


@pytest.mark.parametrize('raw,name', [('people', 'People'), ('PEOPLE', 'People'),
                                      ('person', 'People'), ('motorcycle', 'Motorbike'),
                                      ('dining table', 'Table'), ('Dining_Table', 'Table'),
                                      ('cup', 'Cup'), ('unicorn', None)])
def test_normalise_class(raw, name):
    assert normalise_class(raw) == name


def _yolo_tree(root: Path) -> None:
    _text(root / 'labels/train/a.txt', '0 0.5 0.5 0.2 0.4\n10 0.1 0.1 0.2 0.2\n')
    _text(root / 'labels/val/b.txt', '7 0.5 0.5 1.2 0.5\n12 0.5 0.5 0.1 0.1\n3 0.5 0.5\n')
    _text(root / 'labels/test/c.txt', '')  # size unknown below -> dropped


def test_yolo_form_with_images_and_size_table(tmp_path):
    _yolo_tree(tmp_path / 'tree')
    _image(tmp_path / 'images/a.png', 100, 50)
    _text(tmp_path / 'sizes.csv', 'name,width,height\nb.jpg,200,100\n')
    paths, report = convert_exdark_yolo(tmp_path / 'tree', tmp_path / 'out', images=None,
                                        sizes=tmp_path / 'sizes.csv')
    assert {(f.kind, f.file, f.line) for f in report.findings} == {
        ('no_size', 'labels/train/a.txt', None), ('no_size', 'labels/test/c.txt', None),
        ('out_of_image', 'labels/val/b.txt', 1), ('unknown_class', 'labels/val/b.txt', 2),
        ('malformed_line', 'labels/val/b.txt', 3)}
    val = _load(paths['val'])
    assert val['images'] == [dict(id=1, file_name='b.jpg', width=200, height=100)]
    assert val['annotations'] == [dict(id=1, image_id=1, category_id=8, bbox=[0, 25, 200, 50],
                                       area=10000, iscrowd=0)]
    assert val['info']['source'] == 'yolo'
    # with an images root, sizes come from the images; an absent image is "no_image"
    paths, report = convert_exdark_yolo(tmp_path / 'tree', tmp_path / 'out2',
                                        images=tmp_path / 'images')
    assert _load(paths['train'])['annotations'][0]['bbox'] == [40, 15, 20, 20]
    assert _load(paths['train'])['annotations'][1]['category_id'] == 11
    assert {f.file for f in report.findings if f.kind == 'no_image'} == {
        'labels/val/b.txt', 'labels/test/c.txt'}


def test_yolo_zip_and_label_cache(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.array({'labels': [
        dict(im_file='/somewhere/images/train/a.JPG', shape=(50, 100)),
        dict(im_file='/somewhere/images/val/b.png', shape=(100, 200))]}, dtype=object),
        allow_pickle=True)
    with zipfile.ZipFile(tmp_path / 'labels.zip', 'w') as archive:
        archive.writestr('labels/train/a.txt', '0 0.5 0.5 0.2 0.4\n')
        archive.writestr('labels/val/b.txt', '11 0.5 0.5 0.5 0.5\n')
        archive.writestr('labels/train.cache', buffer.getvalue())
    paths, report = convert_exdark_yolo(tmp_path / 'labels.zip', tmp_path / 'out')
    assert report.defects() == []
    train = _load(paths['train'])
    assert train['images'] == [dict(id=1, file_name='a.JPG', width=100, height=50)]
    assert train['annotations'][0]['bbox'] == [40, 15, 20, 20]
    assert _load(paths['val'])['annotations'][0]['bbox'] == [50, 25, 100, 50]
    _, report = convert_exdark_yolo(tmp_path / 'labels.zip', tmp_path / 'o2', use_cache=False)
    assert report.kinds() == {'no_size': 2}


class _Evil:

    def __reduce__(self):
        return (print, ('pwned', ))


def test_label_cache_refuses_code():
    data = b'\x93NUMPY\x01\x00\x10\x00{}            \n' + pickle.dumps(_Evil())
    with pytest.raises(ValueError, match='not allowed'):
        read_ultralytics_cache(data, 'evil.cache')


def test_real_yolo_labels(shared_assets, tmp_path):
    """The real label zip: 3000/1800/2563 images and every box, checked against the raw zip."""
    labels = shared_assets / 'Otachiking+Object-Detection-ExDARK-with-LLIE/Exdark_YOLO_labels.zip'
    image_list = (shared_assets /
                  'cs-chan+Exclusively-Dark-Image-Dataset/Groundtruth/imageclasslist.txt')
    expected_images, expected_boxes = Counter(), Counter()
    with zipfile.ZipFile(labels) as archive:
        for name in archive.namelist():
            match = re.fullmatch(r'labels/(train|val|test)/.+\.txt', name)
            if match:
                expected_images[match.group(1)] += 1
                lines = archive.read(name).decode().splitlines()
                expected_boxes[match.group(1)] += sum(1 for line in lines if line.strip())
    assert dict(expected_images) == dict(train=3000, val=1800, test=2563)
    paths, report = convert_exdark_yolo(labels, tmp_path, image_list=image_list)
    for subset in ('train', 'val', 'test'):
        coco = _load(paths[subset])
        assert len(coco['images']) == expected_images[subset]
        assert len(coco['annotations']) == expected_boxes[subset]
        assert coco['info']['split'] == 'official' and coco['info']['subset'] == subset
    assert {s: c['boxes'] for s, c in report.counts.items()} == dict(
        train=10381, val=6212, test=7117)
    # the label set has one empty file and nothing else to fix
    assert report.kinds() == {'no_boxes': 1}
    first = _load(paths['train'])['images'][0]
    assert first == dict(id=1, file_name='Bicycle/2015_00001.png', width=500, height=375,
                         image_class='Bicycle', light=2, in_out=1)
