"""A benchmark dataset entry may name the only detectors that test it (`detectors=[...]`)."""
from mmengine.config import Config

from sdag_bench.benchmark.plan.planner import plan_cells

DETECTOR = "model = dict(type='RetinaNet')\n"
DATASET = "test_dataloader = dict(dataset=dict(type='DetImageList', data_root='x'))\n" \
    "test_evaluator = dict(type='ConfidentDetectionCount')\n"
ENHANCER = "enhancer = dict(type='IdentityEnhancer')\n"


def _bench(tmp_path, datasets: dict) -> Config:
    for name, text in (('coco_det.py', DETECTOR), ('exdark_det.py', DETECTOR),
                       ('data_a.py', DATASET), ('data_b.py', DATASET), ('data_c.py', DATASET)):
        (tmp_path / name).write_text(text)
    (tmp_path / 'enhancers').mkdir()
    (tmp_path / 'enhancers' / 'identity.py').write_text(ENHANCER)
    return Config(dict(
        benchmark='t',
        datasets={name: dict(config=str(tmp_path / f'{name}.py'), **extra)
                  for name, extra in datasets.items()},
        detectors=dict(coco=dict(config=str(tmp_path / 'coco_det.py')),
                       exdark=dict(config=str(tmp_path / 'exdark_det.py'))),
        enhancer_dirs=[str(tmp_path / 'enhancers')]))


def test_each_dataset_meets_only_its_detectors(tmp_path):
    bench = _bench(tmp_path, dict(data_a=dict(detectors=['exdark']),
                                  data_b=dict(detectors=['coco']), data_c=dict()))
    cells, notes = plan_cells(bench, enhancers='identity')
    pairs = sorted((c.dataset.name, c.detector.name) for c in cells)
    assert pairs == [('data_a', 'exdark'), ('data_b', 'coco'), ('data_c', 'coco'),
                     ('data_c', 'exdark')]
    assert notes == []


def test_a_dataset_none_of_whose_detectors_is_chosen_is_skipped_with_a_note(tmp_path):
    bench = _bench(tmp_path, dict(data_a=dict(detectors=['exdark']),
                                  data_b=dict(detectors=['coco'])))
    cells, notes = plan_cells(bench, enhancers='identity', detectors='coco')
    assert [(c.dataset.name, c.detector.name) for c in cells] == [('data_b', 'coco')]
    assert notes == ["skipped dataset data_a: none of the chosen detectors is one of its "
                     "detectors ['exdark']"]
