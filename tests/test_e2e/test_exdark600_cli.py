"""The real ExDark table's path, as a user with the 600-photo files runs it, on 12 of the photos
(the first test photo of each class): ``data_tools/exdark_to_coco.py`` with the YOLO-form labels,
the photos and ExDark's imageclasslist, then ``tools/benchmark.py --benchmark exdark600
--data-root ...`` with both frozen real detectors. Checked against mmdet's own ``eval_map`` (code
we did not write) on the stored per-image predictions: every cell's AP50, and the AP50 of every
lighting group in ``per_light.csv``; and the paper-style table has one row per enhancer with a
column group per detector."""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mmdet.evaluation.functional import eval_map

from sdag_bench.utils.paths import PROJECT_ROOT

pytestmark = [pytest.mark.assets, pytest.mark.slow]  # 12 photos x 2 detectors, ~80 s
ENHANCERS = 'identity,gamma,clahe'


@pytest.fixture(scope='module')
def exdark12(shared_assets: Path, yolov3_tiny_checkpoint: Path, yolox_nano_checkpoint: Path,
             tmp_path_factory) -> dict:
    """12 photos converted and benchmarked once for the module."""
    source = shared_assets / 'Chinese-sausage+ExDark'
    with open(source / 'selection.tsv') as f:
        rows = [r for r in csv.DictReader(f, delimiter='\t') if r['subset'] == 'test']
    chosen = {}
    for row in rows:
        chosen.setdefault(row['class'], row)
    tmp = tmp_path_factory.mktemp('exdark12')
    for row in chosen.values():
        for kind, ext in (('labels', '.txt'), ('images', '.jpg')):
            target = tmp / 'src' / kind / 'test' / (row['stem'] + ext)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source / kind / 'test' / (row['stem'] + ext), target)
    data = tmp / 'data'
    image_list = (shared_assets / 'cs-chan+Exclusively-Dark-Image-Dataset' / 'Groundtruth' /
                  'imageclasslist.txt')
    converted = subprocess.run(
        [sys.executable, 'data_tools/exdark_to_coco.py', '--yolo-labels', str(tmp / 'src'),
         '--images', str(tmp / 'src' / 'images'), '--image-list', str(image_list), '--out',
         str(data / 'annotations')], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert converted.returncode == 0, converted.stderr[-2000:]
    (data / 'images').symlink_to(tmp / 'src' / 'images')
    # the exdark600 benchmark with the detector weights the session converted
    benchmark = tmp / 'exdark600_here.py'
    benchmark.write_text(
        f"_base_ = ['{PROJECT_ROOT / 'configs/benchmark/exdark600.py'}']\n"
        f"detectors = dict(yolov3_tiny=dict(checkpoint='{yolov3_tiny_checkpoint}'),\n"
        f"                 yolox_nano=dict(checkpoint='{yolox_nano_checkpoint}'))\n")
    work = tmp / 'work'
    done = subprocess.run(
        [sys.executable, 'tools/benchmark.py', '--benchmark', str(benchmark), '--data-root',
         str(data), '--enhancers', ENHANCERS, '--work-dir', str(work), '--bootstrap', '100',
         '--no-plots', '--no-progress'], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return dict(work=work, ann=data / 'annotations' / 'exdark_official_test.json',
                chosen=chosen, out=done.stdout, converted=converted.stdout)


def _truth(ann: Path) -> tuple:
    coco = json.loads(ann.read_text())
    boxes = {i['id']: [] for i in coco['images']}
    for a in coco['annotations']:
        x, y, w, h = a['bbox']
        boxes[a['image_id']].append((x, y, x + w, y + h, a['category_id'] - 1))
    return coco, boxes


def _eval_map(npz: Path, ann: Path, keep=None) -> float:
    """mmdet's eval_map (area mode, IoU 0.5) on the stored predictions of the images kept."""
    arrays = np.load(npz)
    coco, boxes = _truth(ann)
    results, annotations = [], []
    offsets = arrays['offsets']
    for index, img_id in enumerate(arrays['img_ids']):
        if keep is not None and int(img_id) not in keep:
            continue
        lo, hi = offsets[index], offsets[index + 1]
        dets = np.concatenate([arrays['bboxes'][lo:hi], arrays['scores'][lo:hi, None]], 1)
        results.append([dets[arrays['labels'][lo:hi] == c] for c in range(12)])
        gt = np.array(boxes[int(img_id)], np.float32).reshape(-1, 5)
        annotations.append(dict(bboxes=gt[:, :4], labels=gt[:, 4].astype(np.int64)))
    mean_ap, _ = eval_map(results, annotations, iou_thr=0.5, eval_mode='area', logger='silent',
                          use_legacy_coordinate=True, nproc=1)
    return float(mean_ap)


def test_converter_writes_the_lighting_conditions(exdark12):
    coco = json.loads(exdark12['ann'].read_text())
    assert len(coco['images']) == 12
    by_name = {Path(i['file_name']).stem: i for i in coco['images']}
    for stem, row in {r['stem']: r for r in exdark12['chosen'].values()}.items():
        assert (by_name[stem]['light'], by_name[stem]['in_out']) == \
            (int(row['light']), int(row['in_out'])), stem


def test_every_cell_ap50_equals_mmdets_eval_map(exdark12):
    cells = sorted((exdark12['work'] / 'cells').glob('*.json'))
    assert len(cells) == 6, cells  # 3 enhancers x 2 detectors
    for path in cells:
        record = json.loads(path.read_text())
        expected = _eval_map(path.with_suffix('.predictions.npz'), exdark12['ann'])
        assert record['metrics']['AP50'] == pytest.approx(expected, abs=1e-6), path.name


def test_per_light_ap50_equals_eval_map_on_each_group(exdark12):
    table = pd.read_csv(exdark12['work'] / 'per_light.csv')
    coco = json.loads(exdark12['ann'].read_text())
    names = {1: 'indoor', 2: 'outdoor'}
    assert set(table.condition) == {'light', 'in/out'}
    assert len(table) == 6 * table[['condition', 'group']].drop_duplicates().shape[0]
    for row in table.itertuples():
        field = 'light' if row.condition == 'light' else 'in_out'
        keep = {i['id'] for i in coco['images']
                if (names[i[field]] if field == 'in_out' else None) == row.group
                or (field == 'light' and _light_name(i[field]) == row.group)}
        assert len(keep) == row.images
        npz = next((exdark12['work'] / 'cells').glob(
            f'{row.enhancer}__exdark600__{row.detector}*.predictions.npz'))
        assert row.AP50 == pytest.approx(_eval_map(npz, exdark12['ann'], keep), abs=1e-6), row


def test_per_light_md_counts_the_tests_of_its_csv(exdark12):
    table = pd.read_csv(exdark12['work'] / 'per_light.csv')
    text = (exdark12['work'] / 'per_light.md').read_text()
    # 12 photos: no group reaches 10, so the csv may hold no p-value column at all
    p = table['p(ΔAP50)'] if 'p(ΔAP50)' in table else pd.Series(np.nan, index=table.index)
    for detector in ('yolov3_tiny', 'yolox_nano'):
        own = p[(table.detector == detector) & p.notna()]
        flagged = int((own < 0.05).sum())
        section = text.split(f'/ {detector}\n', 1)[1].split('\n## ', 1)[0]
        assert f'helps or hurts ({flagged} of {len(own)} paired tests at p < 0.05' in section


def _light_name(code: int) -> str:
    return ['Low', 'Ambient', 'Object', 'Single', 'Weak', 'Strong', 'Screen', 'Window', 'Shadow',
            'Twilight'][code - 1]


def test_paper_style_table_has_a_column_group_per_detector(exdark12):
    wide = pd.read_csv(exdark12['work'] / 'leaderboard.csv')
    assert sorted(wide.enhancer) == ['clahe', 'gamma', 'identity']  # one row each
    assert list(wide.enhancer)[-1] == 'identity'  # no enhancement last
    long = pd.read_csv(exdark12['work'] / 'leaderboard_long.csv')
    for detector in ('yolov3_tiny', 'yolox_nano'):
        for enhancer in ('identity', 'gamma', 'clahe'):
            expected = long[(long.enhancer == enhancer) & (long.detector == detector)].AP50.item()
            got = wide.set_index('enhancer').loc[enhancer, f'{detector} · AP50']
            assert got == pytest.approx(expected), (detector, enhancer)
    header = next(line for line in (exdark12['work'] / 'leaderboard.md').read_text().splitlines()
                  if line.startswith('| enhancer'))
    assert 'yolov3_tiny · AP50' in header and 'yolox_nano · ΔAP50' in header and 'NIQE' in header
    assert header.count('NIQE') == 1  # once per enhancer, not per detector


def test_agreement_between_detectors_and_label_free_scores(exdark12):
    """The τ between the two detectors' AP50 rankings is scipy's Kendall τ-b of the stored
    AP50s, and the label-free score 'top conf.' is the mean highest score per photo of the
    stored predictions."""
    from scipy.stats import kendalltau
    work = exdark12['work']
    long = pd.read_csv(work / 'leaderboard_long.csv').pivot(index='enhancer', columns='detector',
                                                            values='AP50')
    detectors = pd.read_csv(work / 'agreement_detectors.csv')
    assert len(detectors) == 1 and detectors.rows.item() == 3
    expected = kendalltau(long['yolov3_tiny'], long['yolox_nano']).statistic
    assert detectors.tau.item() == pytest.approx(expected)
    intervals = pd.read_csv(work / 'intervals.csv')
    for npz in (work / 'cells').glob('*.predictions.npz'):
        arrays = np.load(npz)
        offsets = arrays['offsets']
        top = [arrays['scores'][lo:hi].max() if hi > lo else 0.0
               for lo, hi in zip(offsets[:-1], offsets[1:])]
        enhancer, _, detector = npz.name.split('.')[0].split('__')
        row = intervals[(intervals.enhancer == enhancer) & (intervals.detector == detector)
                        & (intervals.metric == 'top_confidence')]
        assert row.value.item() == pytest.approx(float(np.mean(top))), npz.name
