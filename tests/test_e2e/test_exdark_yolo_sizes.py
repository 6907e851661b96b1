"""ExDark YOLO-form labels: the shipped label cache holds sizes of a downscaled copy, so the
converter warns without ``--images`` and takes the real sizes with it (real files)."""
import json
import zipfile
from pathlib import Path

import pytest
from real_sets import SCI_DIFFICULT, run_cli

ZIP = 'Otachiking+Object-Detection-ExDARK-with-LLIE/Exdark_YOLO_labels.zip'
LIST = 'cs-chan+Exclusively-Dark-Image-Dataset/Groundtruth/imageclasslist.txt'
pytestmark = pytest.mark.assets


def _convert(shared_assets: Path, tmp_path: Path, *extra: str):
    small = tmp_path / 'labels.zip'
    with zipfile.ZipFile(shared_assets / ZIP) as full, zipfile.ZipFile(small, 'w') as out:
        for member in ('labels/val/2015_02243.txt', 'labels/val.cache'):
            out.writestr(member, full.read(member))
    out_dir = tmp_path / 'out'
    result = run_cli(['data_tools/exdark_to_coco.py', '--yolo-labels', small, '--image-list',
                      shared_assets / LIST, '--out', out_dir, *extra])
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads((out_dir / 'exdark_official_val.json').read_text())
    image = next(i for i in data['images'] if i['file_name'].endswith('2015_02243.jpg'))
    return result, (image['width'], image['height'])


def test_cache_sizes_are_a_downscaled_copy_and_the_cli_says_so(shared_assets: Path,
                                                               tmp_path: Path) -> None:
    result, size = _convert(shared_assets, tmp_path)
    assert size == (640, 382)
    assert 'pass --images' in result.stderr


def test_images_give_the_real_size(shared_assets: Path, tmp_path: Path) -> None:
    images = tmp_path / 'images'
    images.mkdir()
    (images / '2015_02243.jpg').write_bytes((shared_assets / SCI_DIFFICULT /
                                             '2015_02243.jpg').read_bytes())
    result, size = _convert(shared_assets, tmp_path, '--images', images)
    assert size == (1023, 612)
    assert 'pass --images' not in result.stderr
