"""The demo's rows: project-trained learnable enhancers, plain and SDAG-guided, over seeds."""
import math
import os

import pytest
from mmengine.config import Config

from sdag_bench.benchmark.plan.planner import discover_enhancers
from sdag_bench.benchmark.report.seed_table import format_seed_table, summarize_seeds
from sdag_bench.benchmark.plan.seed_cells import plan_seed_cells
from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec
from sdag_bench.utils.paths import resolve_project_path

DEMO = Config.fromfile('configs/benchmark/demo.py')
LEARNABLE = ('zerodce', 'zerodce_pp', 'sci', 'ruas')


@pytest.fixture(scope='module')
def demo_rows():
    return discover_enhancers(DEMO.enhancer_dirs, DEMO.get('official_suffix'))


def test_every_learnable_method_has_a_plain_and_a_guided_trained_row(demo_rows):
    for method in LEARNABLE:
        plain, guided = demo_rows[method], demo_rows[f'{method}_sdag']
        assert plain.label is None and guided.base == method
        for row in (plain, guided):
            assert 'checkpoints/demo_zoo/' in row.checkpoint, row
            cfg = Config.fromfile(row.config)
            assert row.checkpoint == resolve_project_path(cfg.seed_checkpoints[0])
            assert len(cfg.seed_checkpoints) >= 3
        # the guided row trains exactly the plain row's enhancer, plus the SDAG hook
        plain_cfg, guided_cfg = Config.fromfile(plain.config), Config.fromfile(guided.config)
        assert plain_cfg.enhancer == guided_cfg.enhancer
        assert plain_cfg.model == guided_cfg.model
        assert [h.type for h in guided_cfg.custom_hooks][0] == 'SDAGGuidanceHook'
        assert not any(h.type == 'SDAGGuidanceHook' for h in plain_cfg.get('custom_hooks', []))


def test_official_weights_get_the_suffix_and_their_base_follows(demo_rows):
    official = {n: r for n, r in demo_rows.items() if r.label == 'official weights'}
    assert {'zerodce_official', 'sci_official', 'zerodce_sdag_official'} <= set(official)
    assert all(n.endswith('_official') for n in official)
    assert demo_rows['zerodce_sdag_official'].base == 'zerodce_official'
    # without a suffix the exdark benchmark keeps the official rows under their own names
    exdark = Config.fromfile('configs/benchmark/exdark.py')
    rows = discover_enhancers(exdark.enhancer_dirs, exdark.get('official_suffix'))
    assert rows['zerodce'].label == 'official weights'


def test_same_row_name_twice_is_an_error_naming_both_files(tmp_path):
    for folder in ('a', 'b'):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / 'gamma.py').write_text("enhancer = dict(type='Gamma')\n")
    with pytest.raises(ValueError, match=r"'gamma' is defined twice.*a/gamma.py.*b/gamma.py"):
        discover_enhancers([str(tmp_path / 'a'), str(tmp_path / 'b')])


def test_committed_demo_zoo_checkpoints_are_small_and_complete(demo_rows):
    for method in LEARNABLE:
        for name in (method, f'{method}_sdag'):
            for path in Config.fromfile(demo_rows[name].config).seed_checkpoints:
                path = resolve_project_path(path)
                assert os.path.isfile(path), f'{path} is committed (tools/train_demo_zoo.sh)'
                assert os.path.getsize(path) <= 2 * 1024**2, path


def test_seed_cells_reuse_the_leaderboard_cell_for_seed_zero(demo_rows):
    dataset = DatasetSpec('demo', 'configs/_base_/datasets/demo.py')
    detector = DetectorSpec('demo_retinanet', 'configs/detectors/demo_retinanet.py')
    cells = [CellSpec(demo_rows[n], dataset, detector) for n in ('zerodce_sdag', 'gamma')]
    seed_cells, notes = plan_seed_cells(cells)
    assert not notes
    assert [c.enhancer.name for c in seed_cells] == [
        'zerodce_sdag', 'zerodce_sdag_s1', 'zerodce_sdag_s2']
    assert seed_cells[0] is cells[0]
    assert seed_cells[1].enhancer.base == 'zerodce_s1'
    assert seed_cells[2].enhancer.checkpoint.endswith('zerodce_sdag_s2.pth')


def _record(name, ap, detector='det'):
    return dict(cell=dict(enhancer=dict(name=name), dataset=dict(name='demo'),
                          detector=dict(name=detector)), metrics={'AP50': ap})


def test_seed_summary_pairs_guided_with_plain_per_seed():
    records = [_record('m', 0.30), _record('m_s1', 0.32), _record('m_s2', 0.31),
               _record('m_sdag', 0.33), _record('m_sdag_s1', 0.31), _record('m_sdag_s2', 0.35),
               _record('other', 0.9)]
    summary = summarize_seeds(records, {'m_sdag': 'm'})
    assert len(summary) == 1
    line = summary.iloc[0]
    assert line.seeds == 3 and line.wins == '2/3'
    assert line.plain == [0.30, 0.32, 0.31] and line.guided_per_seed == [0.33, 0.31, 0.35]
    assert math.isclose(line.delta, (0.03 - 0.01 + 0.04) / 3)
    assert math.isclose(line.plain_std, 0.01)
    text = format_seed_table(summary)
    assert '0.310 ± 0.010' in text and '+0.020' in text and '2/3' in text


def test_seed_summary_uses_only_seeds_both_rows_have():
    records = [_record('m', 0.30), _record('m_sdag', 0.33), _record('m_sdag_s1', 0.31)]
    line = summarize_seeds(records, {'m_sdag': 'm'}).iloc[0]
    assert line.seeds == 1 and math.isnan(line.plain_std)
