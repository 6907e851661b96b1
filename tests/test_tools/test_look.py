"""tools/look.py as a user runs it: demo scenes (a folder, a file, a list, and a broken file) and a
real photo through darknet's YOLOv3-tiny; the pictures, table and files it writes. The detection
counts of the unenhanced input are checked against mmdet's own init_detector +
inference_detector on the same photo."""
import contextlib
import io
import json
import os
import shutil

import cv2
import pandas as pd
import pytest
from mmdet.apis import inference_detector, init_detector

from sdag_bench.datasets.demo import ensure_demo_set
from sdag_bench.utils.paths import PROJECT_ROOT


def _look(argv):
    from tools.look import main
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv + ['--no-progress', '--device', 'cpu'])
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def _mmdet_count(config, checkpoint, photo, thr):
    model = init_detector(str(PROJECT_ROOT / config), checkpoint, device='cpu')
    return int((inference_detector(model, photo).pred_instances.scores >= thr).sum())


@pytest.fixture(scope='module')
def demo_scenes(tmp_path_factory):
    """Two dark demo scenes as a folder, a third as a file in a list, and a broken file."""
    root = ensure_demo_set(PROJECT_ROOT / 'data' / 'demo', progress=False)
    tmp = tmp_path_factory.mktemp('scenes')
    (tmp / 'folder').mkdir()
    for name in ('00000.png', '00001.png'):
        shutil.copy(root / 'dark' / 'test' / name, tmp / 'folder' / name)
    shutil.copy(root / 'dark' / 'test' / '00002.png', tmp / 'listed.png')
    (tmp / 'list.txt').write_text('listed.png\nbroken.png\n')
    (tmp / 'broken.png').write_bytes(b'\x89PNG\r\n\x1a\n not an image')
    return tmp


def test_demo_scenes_side_by_side(demo_scenes, tmp_path):
    out = tmp_path / 'out'
    code, stdout, stderr = _look([str(demo_scenes / 'folder'), str(demo_scenes / 'list.txt'),
                                  '--enhancers', 'identity,gamma', '--detector',
                                  'demo_retinanet', '--score-thr', '0.5', '--out', str(out)])
    assert code == 0, stderr[-3000:]
    assert '[look] 3 photos, 1 skipped' in stdout
    assert 'skipped ' + str(demo_scenes / 'broken.png') in stderr
    pictures = sorted(p.name for p in out.glob('*.png'))
    assert pictures == ['0000_00000.png', '0001_00001.png', '0002_listed.png']
    scene = cv2.imread(str(demo_scenes / 'folder' / '00000.png'))
    picture = cv2.imread(str(out / pictures[0]))
    assert picture.shape == (scene.shape[0] + 22, 2 * scene.shape[1], 3)  # titles, 2 panels
    rows = pd.read_csv(out / 'look.csv')
    saved = json.loads((out / 'look.json').read_text())
    assert len(rows) == 6 and list(rows.enhancer) == ['identity', 'gamma'] * 3
    assert [r['detections'] for r in saved['rows']] == rows.detections.tolist()
    assert [row for row in stdout.splitlines() if 'listed.png' in row and 'gamma' in row]
    # without enhancement, the counts are mmdet's own on the photo
    for photo, count in zip([demo_scenes / 'folder' / '00000.png',
                             demo_scenes / 'folder' / '00001.png', demo_scenes / 'listed.png'],
                            rows[rows.enhancer == 'identity'].detections):
        assert count == _mmdet_count('configs/detectors/demo_retinanet.py',
                                     str(PROJECT_ROOT / 'checkpoints/demo_retinanet.pth'),
                                     str(photo), 0.5)
    assert rows.niqe.notna().all() and (rows.enhance_ms >= 0).all()


def test_a_real_photo_through_yolov3_tiny(shared_assets, yolov3_tiny_checkpoint, tmp_path):
    photo = shared_assets / 'Li-Chongyi+Zero-DCE' / 'test_data' / 'LIME' / '1.bmp'
    out = tmp_path / 'out'
    code, stdout, stderr = _look([str(photo), '--benchmark', 'real_photos', '--enhancers',
                                  'identity,gamma', '--detector', 'yolov3_tiny', '--checkpoint',
                                  str(yolov3_tiny_checkpoint), '--out', str(out)])
    assert code == 0, stderr[-3000:]
    rows = pd.read_csv(out / 'look.csv')
    assert rows[rows.enhancer == 'identity'].detections.item() == _mmdet_count(
        'configs/detectors/coco/yolov3_tiny.py', str(yolov3_tiny_checkpoint), str(photo), 0.3)
    assert cv2.imread(str(out / '0000_1.png')).shape[1] == 2 * cv2.imread(str(photo)).shape[1]


def test_bad_input_is_one_line(tmp_path):
    code, _, stderr = _look([str(tmp_path / 'missing.png'), '--out', str(tmp_path / 'o')])
    assert code == 2 and stderr.strip() == f'error: {tmp_path / "missing.png"}: no such file ' \
        'or folder'
    cv2.imwrite(str(tmp_path / 'grey.png'), cv2.UMat(64, 64, cv2.CV_8UC3, 90).get())
    code, _, stderr = _look([str(tmp_path), '--enhancers', 'nope', '--out', str(tmp_path)])
    assert code == 2 and 'unknown enhancer' in stderr
