"""One enhancer, several detectors: each batch is enhanced once, the numbers are unchanged."""
import pytest
import torch

from sdag_bench.benchmark.run import evaluate as evaluate_module
from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.store.result_store import ResultStore
from sdag_bench.benchmark.run.evaluate import evaluate_cell, evaluate_cells
from sdag_bench.benchmark.options import EvaluationOptions
from sdag_bench.benchmark.run.run_cells import run_cells

DETECTOR = 'configs/detectors/demo_retinanet.py'
CHECKPOINT = 'checkpoints/demo_retinanet.pth'
QUALITY = [dict(type='ImageQualityMetric', metrics=('niqe', 'psnr'))]
QUIET = EvaluationOptions(extra_metrics=QUALITY, progress=False)


@pytest.fixture(scope='module')
def cells(tmp_path_factory):
    folder = tmp_path_factory.mktemp('configs')
    # a second, genuinely different detector: other NMS and padding, same weights
    other = folder / 'demo_retinanet_nms03.py'
    other.write_text(f"_base_ = '{__import__('os').path.abspath(DETECTOR)}'\n"
                     "model = dict(test_cfg=dict(nms=dict(iou_threshold=0.3), score_thr=0.2),\n"
                     "             data_preprocessor=dict(pad_size_divisor=64))\n")
    enhancer = EnhancerSpec('gamma', 'configs/enhancers/gamma.py',
                            dataset_overrides=dict(indices=24))
    dataset = DatasetSpec('demo', 'configs/_base_/datasets/demo.py')
    return [CellSpec(enhancer, dataset, DetectorSpec('a', DETECTOR, CHECKPOINT)),
            CellSpec(enhancer, dataset, DetectorSpec('b', str(other), CHECKPOINT))]


class CountingEnhancer(torch.nn.Module):

    def __init__(self, inner):
        super().__init__()
        self.inner, self.images = inner, 0

    def forward(self, x):
        self.images += x.shape[0]
        return self.inner(x)


def test_shared_pass_equals_separate_cells_and_enhances_once(cells, monkeypatch):
    separate = [evaluate_cell(c, QUIET) for c in cells]
    built = []
    original = evaluate_module.build_enhancer_from_config

    def counting_builder(*args, **kwargs):
        built.append(CountingEnhancer(original(*args, **kwargs)))
        return built[-1]

    monkeypatch.setattr(evaluate_module, 'build_enhancer_from_config', counting_builder)
    shared = evaluate_cells(cells, QUIET)
    assert len(built) == 1 and built[0].images == 24  # 24 images, enhanced once for both
    for alone, together in zip(separate, shared):
        assert alone['metrics'] == together['metrics']
        assert together['shared_pass'] == ['a', 'b']
        assert alone['cell'] == together['cell']
    # the two detectors really differ, so outputs were not mixed up
    assert shared[0]['metrics']['AP50'] != shared[1]['metrics']['AP50']
    assert shared[0]['metrics']['niqe'] == shared[1]['metrics']['niqe']


def test_run_cells_groups_by_enhancer(cells, tmp_path, monkeypatch):
    calls = []
    original = evaluate_module.evaluate_cells

    def spy(group, options):
        calls.append([c.detector.name for c in group])
        return original(group, options)

    monkeypatch.setattr('sdag_bench.benchmark.run.run_cells.evaluate_cells', spy)
    records = run_cells(cells, ResultStore(str(tmp_path)), EvaluationOptions(progress=False))
    assert calls == [['a', 'b']]
    assert [r['cell']['detector']['name'] for r in records] == ['a', 'b']
    again = run_cells(cells, ResultStore(str(tmp_path)), EvaluationOptions(progress=False))
    assert calls == [['a', 'b']] and all(r['cached'] for r in again)


def test_cells_with_different_enhancers_are_refused(cells):
    other = CellSpec(EnhancerSpec('identity', 'configs/enhancers/identity.py'),
                     cells[0].dataset, cells[0].detector)
    with pytest.raises(ValueError, match='one enhancer and one dataset'):
        evaluate_cells([cells[0], other])
