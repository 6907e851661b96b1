"""One name per metric: whatever evaluator a dataset config uses (mmdet's VOCMetric under any
prefix, the project's ClasswiseVOCMetric, CocoMetric alone, ConfidentDetectionCount), a cell
carries the canonical keys and the leaderboard reads them (the ExDark config used mmdet's
VOCMetric, ``pascal_voc/AP50``, while every table read ``voc/AP50``: KeyError 'AP50')."""
import pytest

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.run.evaluate import evaluate_cell
from sdag_bench.benchmark.report.leaderboard import leaderboard, records_to_frame
from sdag_bench.benchmark.options import EvaluationOptions
from sdag_bench.metrics.metric_info import metric_direction
from sdag_bench.utils.paths import PROJECT_ROOT

DEMO = PROJECT_ROOT / 'configs/_base_/datasets/demo.py'


def _cell(dataset_config: str) -> dict:
    cell = CellSpec(EnhancerSpec('gamma', 'configs/enhancers/gamma.py',
                                 dataset_overrides=dict(indices=16)),
                    DatasetSpec('demo', str(dataset_config)),
                    DetectorSpec('demo_retinanet', 'configs/detectors/demo_retinanet.py',
                                 'checkpoints/demo_retinanet.pth'))
    return evaluate_cell(cell, EvaluationOptions(progress=False))


def test_mmdet_voc_metric_under_any_prefix_gives_the_same_ap50(tmp_path):
    config = tmp_path / 'demo_mmdet_voc.py'
    config.write_text(f"_base_ = '{DEMO}'\n"
                      "test_evaluator = [dict(type='VOCMetric', iou_thrs=0.5, eval_mode='area',\n"
                      "                       metric='mAP', prefix='exdark')]\n")
    mmdet_voc = _cell(config)
    classwise = _cell(DEMO)
    assert 'exdark/AP50' in mmdet_voc['raw_metrics'] and 'voc/AP50' in classwise['raw_metrics']
    # mmdet's VOCMetric rounds to 3 decimals; ClasswiseVOCMetric reports the same AP unrounded
    assert mmdet_voc['metrics']['AP50'] == round(classwise['metrics']['AP50'], 3)
    assert mmdet_voc['metrics']['AP50'] > 0.05
    assert not any(k.startswith('exdark/') for k in mmdet_voc['metrics'])
    assert mmdet_voc['protocol']['metric'] == 'AP50: VOC area, IoU 0.5'
    table = leaderboard(records_to_frame([mmdet_voc]))
    assert table.loc[0, 'AP50'] == mmdet_voc['metrics']['AP50']


def test_coco_metric_alone_and_a_detection_count(tmp_path):
    config = tmp_path / 'demo_coco.py'
    config.write_text(
        f"_base_ = '{DEMO}'\n"
        "test_evaluator = [\n"
        "    dict(type='CocoMetric', metric='bbox', ann_file='data/demo/annotations/test.json'),\n"
        "    dict(type='ConfidentDetectionCount', score_thr=0.3, prefix='shapes'),\n"
        "]\n")
    record = _cell(config)
    raw, metrics = record['raw_metrics'], record['metrics']
    assert metrics['AP50'] == raw['coco/bbox_mAP_50'] and metrics['mAP'] == raw['coco/bbox_mAP']
    assert metrics['detections'] == raw['shapes/count'] > 0
    assert metrics['detections_per_image'] == raw['shapes/per_image']
    assert record['protocol']['metric'].startswith('AP50: COCO 101-point, IoU 0.5; mAP: COCO')
    assert record['protocol']['eval_mode'] is None


def test_directions_of_canonical_names():
    assert metric_direction('AP50/People') == 'higher' and metric_direction('niqe') == 'lower'
    assert metric_direction('cost/ms_per_image') == 'lower'
    with pytest.raises(KeyError, match="'voc/AP50' is not a canonical metric name"):
        metric_direction('voc/AP50')
