"""Determinism: the same cell and seed give bitwise-identical numbers on the CPU."""
import pytest

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.run.evaluate import evaluate_cell
from sdag_bench.benchmark.options import EvaluationOptions

QUALITY = [dict(type='ImageQualityMetric', metrics=('niqe', 'psnr', 'ssim'))]


@pytest.mark.slow  # the same cells evaluated twice from scratch: ~15 s
def test_same_seed_gives_identical_cells(tmp_path):
    # a learnable enhancer without weights: its random initialisation must follow the seed too
    config = tmp_path / 'zerodce_random.py'
    config.write_text("enhancer = dict(type='ZeroDCE')\n")
    cell = CellSpec(EnhancerSpec('zerodce', str(config), dataset_overrides=dict(indices=16)),
                    DatasetSpec('demo', 'configs/_base_/datasets/demo.py'),
                    DetectorSpec('demo_retinanet', 'configs/detectors/demo_retinanet.py',
                                 'checkpoints/demo_retinanet.pth'))
    first, second, other_seed = (
        evaluate_cell(cell, EvaluationOptions(extra_metrics=QUALITY, progress=False, seed=seed))
        for seed in (0, 0, 1))
    assert first['metrics'] == second['metrics']  # bitwise: AP, COCO mAP, NIQE, PSNR, SSIM
    assert {'AP50', 'niqe', 'psnr'} <= set(first['metrics'])
    # the seed matters (here: the enhancer's random initialisation), so equality is not vacuous
    assert first['metrics']['niqe'] != other_seed['metrics']['niqe']
