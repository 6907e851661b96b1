"""data_tools/make_real_photos_set.py: the coco8 dark copies and the COCO jsons it writes."""
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run([sys.executable, 'data_tools/make_real_photos_set.py', *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)


def test_makes_the_set_from_the_photos(shared_assets, tmp_path):
    root = tmp_path / 'real_photos'
    run = _run('--root', str(root), '--assets', str(shared_assets))
    assert run.returncode == 0, run.stderr[-2000:]
    coco8 = json.loads((root / 'annotations' / 'coco8.json').read_text())
    assert len(coco8['images']) == 8 and len(coco8['annotations']) == 30
    # the first label line of 000000000009.txt, converted here from the YOLO text
    line = (shared_assets / 'ultralytics+coco8' / 'labels' / 'train' /
            '000000000009.txt').read_text().splitlines()[0].split()
    photo = cv2.imread(str(shared_assets / 'ultralytics+coco8' / 'images' / 'train' /
                           '000000000009.jpg'))
    height, width = photo.shape[:2]
    cx, cy, w, h = (float(v) for v in line[1:])
    first = coco8['annotations'][0]
    assert first['image_id'] == 1 and first['category_id'] == int(line[0]) + 1
    assert first['bbox'] == pytest.approx([(cx - w / 2) * width, (cy - h / 2) * height,
                                           w * width, h * height])
    normal = cv2.imread(str(root / 'coco8' / 'normal' / '000000000009.png'))
    dark = cv2.imread(str(root / 'coco8' / 'dark' / '000000000009.png'))
    assert np.array_equal(normal, photo)  # the decoded photo, losslessly
    assert dark.shape == photo.shape and dark.mean() < 0.5 * photo.mean()
    exdark = json.loads((root / 'annotations' / 'exdark_photos.json').read_text())
    assert [i['file_name'] for i in exdark['images']][0] == '2015_02057.jpg'
    assert len(exdark['images']) == 5 and len(exdark['annotations']) == 9
    bus = exdark['annotations'][0]
    assert exdark['categories'][bus['category_id'] - 1]['name'] == 'Bus'
    assert bus['bbox'] == [209, 152, 521 - 209, 280 - 152]


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_missing_assets_name_the_folder_and_the_command(tmp_path):
    run = _run('--root', str(tmp_path / 'out'), '--assets', str(tmp_path / 'nowhere'))
    assert run.returncode == 2
    assert str(tmp_path / 'nowhere') in run.stderr
    assert 'make_real_photos_set.py' in run.stderr
