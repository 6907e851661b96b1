"""`tools/benchmark.py --benchmark real_photos` on the real ExDark photos with the real detector.

The identity row's AP50 in the leaderboard the command writes must equal a VOC AP50 computed
here, independently: our own numpy VOC AP (``tests/reference_voc_ap.py``: area mode, IoU 0.5,
the VOC pixel convention) over what mmdet's ``inference_detector`` returns for the photo files,
against the photos' real ExDark boxes read from the third-party json (not from the generated
COCO file).
"""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from reference_voc_ap import voc_ap50

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The benchmark's configs name the assets as ../shared/assets from the project root.
PROJECT_ASSETS = PROJECT_ROOT.parent / 'shared' / 'assets'


@pytest.fixture(scope='module')
def darknet_checkpoint(yolov3_tiny_checkpoint: Path) -> str:
    """The darknet weights converted by tools/convert_darknet.py, as a user runs it."""
    if not PROJECT_ASSETS.is_dir():
        pytest.skip(f'the real-photos benchmark reads ../shared/assets (not found at '
                    f'{PROJECT_ASSETS})')
    return str(yolov3_tiny_checkpoint)


#: The 12 ExDark classes as COCO names them (the classes the two share); other COCO classes
#: are not ExDark objects.
COCO_TO_EXDARK = {'bicycle': 'Bicycle', 'boat': 'Boat', 'bottle': 'Bottle', 'bus': 'Bus',
                  'car': 'Car', 'cat': 'Cat', 'chair': 'Chair', 'cup': 'Cup', 'dog': 'Dog',
                  'motorcycle': 'Motorbike', 'person': 'People', 'dining table': 'Table'}


def _expected_identity_ap50(checkpoint: str) -> float:
    """The plain 80-class detector through mmdet's inference_detector on the photo files (with
    the ExDark config's test pipeline), read as ExDark classes here (the detection budget of
    100 per image applied to the ExDark detections, as the label-mapped detector documents),
    and our own VOC AP50."""
    import torch
    from mmdet.apis import inference_detector
    from mmdet.datasets import CocoDataset
    from mmengine.config import Config

    from sdag_bench.registry import MODELS
    coco_classes = CocoDataset.METAINFO['classes']
    coco_cfg = Config.fromfile(
        str(PROJECT_ROOT / 'configs' / 'detectors' / 'coco' / 'yolov3_tiny.py'))
    budget = coco_cfg.model.test_cfg.max_per_img
    coco_cfg.model.test_cfg.max_per_img = 1_000_000  # every detection, the budget comes after
    model = MODELS.build(coco_cfg.model)
    model.load_state_dict(torch.load(checkpoint, weights_only=True))
    model.cfg = Config.fromfile(
        str(PROJECT_ROOT / 'configs' / 'detectors' / 'exdark' / 'yolov3_tiny_coco.py'))
    model.eval()
    with open(PROJECT_ASSETS / 'derived' / 'exdark_sci_images_boxes.json') as f:
        derived = json.load(f)
    detections, truths = {}, {}
    for item in derived['images']:
        path = PROJECT_ASSETS / item['file']
        pred = inference_detector(model, str(path)).pred_instances
        mapped = [(COCO_TO_EXDARK[coco_classes[int(label)]], box, float(score))
                  for label, score, box in zip(pred.labels, pred.scores, pred.bboxes.numpy())
                  if coco_classes[int(label)] in COCO_TO_EXDARK]
        detections[path.name] = sorted(mapped, key=lambda d: -d[2])[:budget]
        truths[path.name] = [(obj['class'], obj['bbox_xyxy']) for obj in item['objects']]
    assert sum(len(t) for t in truths.values()) == 9
    return voc_ap50(detections, truths, sorted(COCO_TO_EXDARK.values()))['mean']


def test_voc_ap50_matches_a_hand_count():
    """Our VOC AP: 2 cars (one found at rank 1, a false positive at rank 2, the other found at
    rank 3): precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> area 1/2 + 1/2 * 2/3."""
    truths = {'a': [('Car', [0, 0, 10, 10]), ('Car', [20, 20, 30, 30])]}
    dets = {'a': [('Car', [0, 0, 10, 10], 0.9), ('Car', [50, 50, 60, 60], 0.8),
                  ('Car', [20, 20, 30, 31], 0.7)]}
    assert voc_ap50(dets, truths, ['Car'])['mean'] == pytest.approx(0.5 + 0.5 * 2 / 3)


# the real_photos benchmark through a process: ~20 s (tools/benchmark.py stays in the fast tier
# through the demo and ExDark runs)
@pytest.mark.slow
def test_benchmark_cli_on_the_exdark_photos(darknet_checkpoint, tmp_path):
    work = tmp_path / 'results'
    run = subprocess.run(
        [sys.executable, 'tools/benchmark.py', '--benchmark', 'real_photos', '--enhancers',
         'identity,gamma', '--datasets', 'exdark_photos', '--detectors', 'yolov3_tiny_exdark',
         '--checkpoint', darknet_checkpoint, '--no-plots', '--no-progress',
         '--work-dir', str(work)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with open(work / 'leaderboard.csv') as f:
        rows = {r['enhancer']: r for r in csv.DictReader(f)}
    assert set(rows) == {'identity', 'gamma'}
    assert {r['dataset'] for r in rows.values()} == {'exdark_photos'}
    assert int(float(rows['identity']['images'])) == 5
    expected = _expected_identity_ap50(darknet_checkpoint)
    assert expected > 0.1  # the detector finds the buses: a real, non-trivial number
    assert float(rows['identity']['AP50']) == pytest.approx(expected, abs=1e-6)
    # the gamma row really enhanced the photos (its images differ: another NIQE)
    assert float(rows['gamma']['NIQE']) != pytest.approx(float(rows['identity']['NIQE']))
    assert not list(work.glob('*.png'))  # no picture of these photos is written
