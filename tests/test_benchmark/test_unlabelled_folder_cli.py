"""A user's own folder of unlabelled photos, whatever their file names, through the CLI.

Image ids used to be file stems: a folder of ``dog.png``, ``kite.png`` (darknet's samples, or
anyone's photos) crashed the per-image prediction store, which keys images by integer id.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from sdag_bench.benchmark.store.predictions import load_predictions, per_image
from sdag_bench.datasets.demo import ensure_demo_set

ROOT = Path(__file__).resolve().parents[2]
DATASET = """\
test_pipeline = [
    dict(type='LoadImageRobust'),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(
    batch_size=1, num_workers=0, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='DetImageList', data_root={root!r}, test_mode=True,
                 metainfo=dict(classes=('object', )), pipeline=test_pipeline))
test_evaluator = dict(type='ConfidentDetectionCount', score_thr=0.3, prefix='objects')
"""
BENCH = """\
benchmark = 'folder'
datasets = dict(photos=dict(config={dataset!r}, split='my photos'))
detectors = dict(demo_retinanet=dict(config='configs/detectors/demo_retinanet.py',
                                     checkpoint='checkpoints/demo_retinanet.pth'))
enhancer_dirs = ['configs/enhancers']
primary_metric = 'detections'
extra_metrics = []
cost_cfg = None
"""


def test_a_folder_of_word_named_photos_is_scored_and_its_predictions_kept(tmp_path):
    demo = ensure_demo_set(ROOT / 'data' / 'demo', progress=False)
    photos = tmp_path / 'photos'
    photos.mkdir()
    sources = sorted((demo / 'dark' / 'test').iterdir())[:2]
    for name, source in zip(('kite.png', 'dog.png'), sources):
        shutil.copyfile(source, photos / name)
    (tmp_path / 'photos_data.py').write_text(DATASET.format(root=f'{photos}/'))
    (tmp_path / 'bench.py').write_text(BENCH.format(dataset=str(tmp_path / 'photos_data.py')))
    work = tmp_path / 'work'
    result = subprocess.run(
        [sys.executable, 'tools/benchmark.py', '--benchmark', str(tmp_path / 'bench.py'),
         '--enhancers', 'identity', '--work-dir', str(work), '--no-plots', '--no-progress',
         '--bootstrap', '0', '--device', 'cpu'],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    cell = work / 'cells' / 'identity__photos__demo_retinanet.json'
    record = json.loads(cell.read_text())
    assert record['num_images'] == 2
    images = per_image(load_predictions(str(cell.with_suffix('.predictions.npz'))))
    # sorted folder listing: dog.png is image 1, kite.png image 2
    assert [(i['img_id'], Path(i['name']).name) for i in images] == [(1, 'dog.png'),
                                                                     (2, 'kite.png')]
    confident = sum(int((np.asarray(i['scores']) >= 0.3).sum()) for i in images)
    # a COCO-style detector's confident detections are counted as detections, not faces
    assert record['metrics']['detections'] == confident
    assert not any(name.startswith('faces') for name in record['metrics'])
    assert record['protocol']['metric'] == 'detections: detections with score >= 0.3'
