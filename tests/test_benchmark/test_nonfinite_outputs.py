"""A detector with NaN weights is flagged (images with non-finite outputs counted), not scored as
a detector that merely found nothing: its NaN scores fail the score threshold, so no NaN box
ever reaches the predictions."""
from pathlib import Path

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector
from sdag_bench.benchmark.run.nonfinite import NonFiniteOutputCounter, prediction_is_nonfinite

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DETECTOR = 'configs/detectors/demo_retinanet.py'
CHECKPOINT = 'checkpoints/demo_retinanet.pth'


def write_nan_classifier_checkpoint(path) -> str:
    """The demo detector with NaN classification weights (everything else unchanged)."""
    state = torch.load(CHECKPOINT, map_location='cpu', weights_only=True)['state_dict']
    state = {k: v.clone().fill_(float('nan')) if 'retina_cls' in k else v
             for k, v in state.items()}
    torch.save({'state_dict': state}, path)
    return str(path)


def _predict(detector, num: int = 3):
    torch.manual_seed(0)
    samples = [DetDataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64),
                                           scale_factor=(1.0, 1.0))) for _ in range(num)]
    inputs = [torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8) for _ in range(num)]
    with torch.inference_mode():
        return detector.test_step(dict(inputs=inputs, data_samples=samples))


def test_nan_weights_are_counted_although_no_nan_box_survives(tmp_path):
    detector = build_frozen_detector(DETECTOR, write_nan_classifier_checkpoint(
        tmp_path / 'nan.pth'), 'cpu')
    counter = NonFiniteOutputCounter(detector)
    outputs = _predict(detector)
    assert [len(o.pred_instances) for o in outputs] == [0, 0, 0]  # looks like "found nothing"
    assert not any(prediction_is_nonfinite(o) for o in outputs)
    assert counter.update(outputs) == 3 and counter.count == 3
    counter.remove()
    assert counter.update(_predict(detector)) == 0  # hooks gone: only predictions are checked


def test_finite_detector_counts_nothing():
    detector = build_frozen_detector(DETECTOR, CHECKPOINT, 'cpu')
    counter = NonFiniteOutputCounter(detector)
    outputs = _predict(detector, num=2)
    assert sum(len(o.pred_instances) for o in outputs) > 0
    assert counter.update(outputs) == 0


def test_a_nan_box_in_the_predictions_is_flagged():
    sample = DetDataSample()
    sample.pred_instances = InstanceData(bboxes=torch.tensor([[0., 0., float('nan'), 4.]]),
                                         scores=torch.tensor([0.9]))
    assert prediction_is_nonfinite(sample)
    sample.pred_instances.bboxes = torch.tensor([[0., 0., 2., 4.]])
    assert not prediction_is_nonfinite(sample)
    sample.pred_instances.scores = torch.tensor([float('inf')])
    assert prediction_is_nonfinite(sample)


@pytest.mark.slow  # a benchmark process with a NaN detector: ~25 s (counters: tests above)
def test_benchmark_flags_a_nan_detector_cell_and_its_leaderboard_row(tmp_path):
    """Through tools/benchmark.py on a 4-image demo set: the cell counts the 4 images, the
    leaderboard carries the count, the run warns; the same weights without NaN count 0."""
    import json
    import os
    import subprocess
    import sys

    import pandas as pd

    from sdag_bench.datasets.demo import DEMO_SPEC, ensure_demo_set
    root = ensure_demo_set(tmp_path / 'demo', progress=False, spec=dict(
        DEMO_SPEC, custom=True, splits=dict(train=dict(num=2, seed=1), val=dict(num=2, seed=2),
                                            test=dict(num=4, seed=3))))
    nan = write_nan_classifier_checkpoint(tmp_path / 'nan.pth')
    counts = {}
    for name, checkpoint in (('nan', nan), ('finite', CHECKPOINT)):
        work_dir = tmp_path / name
        result = subprocess.run(
            [sys.executable, 'tools/benchmark.py', '--enhancers', 'identity', '--no-bounds',
             '--no-plots', '--no-progress', '--data-root', str(root), '--checkpoint',
             checkpoint, '--work-dir', str(work_dir)],
            capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT,
            env=dict(os.environ, OMP_NUM_THREADS='1'))
        assert result.returncode == 0, result.stderr[-3000:]
        (cell, ) = [p for p in (work_dir / 'cells').glob('*.json')]
        record = json.loads(cell.read_text())
        table = pd.read_csv(work_dir / 'leaderboard.csv')
        counts[name] = (record['nonfinite_predictions'], int(table['nonfinite_det'].iloc[0]),
                        'non-finite detector outputs' in result.stdout)
    assert counts == {'nan': (4, 4, True), 'finite': (0, 0, False)}
