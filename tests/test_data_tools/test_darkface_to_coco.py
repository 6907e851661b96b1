"""DARK FACE converter: a fake tree with every bad-input case, list and seeded splits."""
import json
from pathlib import Path

import pytest
from PIL import Image

from sdag_bench.datasets.converters.darkface import convert_darkface
from sdag_bench.datasets.converters.report import StrictConversionError


def _load(path) -> dict:
    return json.loads(Path(path).read_text())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / 'image').mkdir()
    (tmp_path / 'label').mkdir()
    for name, size in [('1.png', (100, 60)), ('2.png', (80, 80)), ('3.PNG', (50, 40)),
                       ('4.png', (30, 30)), ('5.png', (30, 30))]:
        Image.new('RGB', size).save(tmp_path / 'image' / name)
    labels = {
        '1': '2\n10 10 20 30\n50 5 120 40\n',  # second box clipped to x2=100
        '2': '3\n1 1 11 11\n5 5 5 9\n1 2 3\n',  # count 3 listed 3; one zero-area, one malformed
        '3': '1\n',  # count 1, no boxes: count mismatch, image kept without boxes
        '4': '1 1 5 5\n',  # no count line
        '6': '1\n1 1 2 2\n',  # no image
    }
    for stem, text in labels.items():
        (tmp_path / 'label' / f'{stem}.txt').write_text(text)
    return tmp_path


def test_ratio_split_json_and_report(tree):
    paths, report = convert_darkface(tree, tree / 'out', train_ratio=0.5, seed=1)
    assert Path(paths['train']).name == 'darkface_ratio50_seed1_train.json'
    train, test = _load(paths['train']), _load(paths['test'])
    images = {i['file_name']: i for i in train['images'] + test['images']}
    assert sorted(images) == ['1.png', '2.png', '3.PNG', '4.png']
    assert images['1.png'] == dict(id=1, file_name='1.png', width=100, height=60)
    assert (len(train['images']), len(test['images'])) == (2, 2)
    assert train['info'] == dict(dataset='DARK FACE', split='ratio50', seed=1,
                                 source='darkface_txt', strict=False, classes=['face'],
                                 subset='train')
    anns = {}
    for coco in (train, test):
        for ann in coco['annotations']:
            anns.setdefault(ann['image_id'], []).append(ann['bbox'])
    assert anns == {1: [[10, 10, 10, 20], [50, 5, 50, 35]], 2: [[1, 1, 10, 10]],
                    4: [[1, 1, 4, 4]]}
    assert {(f.kind, f.file, f.line) for f in report.findings} == {
        ('out_of_image', 'label/1.txt', 3),
        ('zero_area', 'label/2.txt', 3),
        ('malformed_line', 'label/2.txt', 4),
        ('count_mismatch', 'label/3.txt', 1),
        ('no_boxes', 'label/3.txt', None),
        ('malformed_line', 'label/4.txt', 1),
        ('no_image', 'label/6.txt', None),
        ('no_annotation_file', 'image/5.png', None),
    }
    assert train['categories'] == [dict(id=1, name='face')]


def test_count_line_checked(tree):
    (tree / 'label' / '1.txt').write_text('3\n10 10 20 30\n50 5 60 40\n')
    _, report = convert_darkface(tree, tree / 'out')
    mismatch = [f for f in report.findings if f.kind == 'count_mismatch']
    assert [(f.file, f.message) for f in mismatch] == [
        ('label/1.txt', 'count line says 3, file lists 2 box line(s)'),
        ('label/3.txt', 'count line says 1, file lists 0 box line(s)')]


def test_list_split_and_strict(tree):
    (tree / 'train.txt').write_text('1.png\n2\n')
    (tree / 'val.txt').write_text('3.png\n')
    paths, report = convert_darkface(tree, tree / 'out',
                                     lists={'train': tree / 'train.txt', 'val': tree / 'val.txt'})
    assert [i['file_name'] for i in _load(paths['train'])['images']] == ['1.png', '2.png']
    assert [i['file_name'] for i in _load(paths['val'])['images']] == ['3.PNG']
    assert _load(paths['val'])['info']['split'] == 'list'
    assert ('not_in_split_list', 'image/4.png') in {(f.kind, f.file) for f in report.findings}
    with pytest.raises(StrictConversionError, match='label/2.txt:4'):
        convert_darkface(tree, tree / 'strict', strict=True)
    assert not (tree / 'strict').exists()
