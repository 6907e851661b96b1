"""Leaderboards, paper tables and plots from stored records (no detector needed)."""
import math
import os

import numpy as np
import pandas as pd
import pytest

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec, \
    ResultStore
from sdag_bench.benchmark.leaderboard import leaderboard, records_to_frame, write_leaderboard
from sdag_bench.benchmark.paper_tables import paper_tables
from sdag_bench.benchmark.plots import plot_ap_vs_niqe, plot_per_class_ap, save_qualitative_grid
from tools.make_tables import main as make_tables_main

CLASSES = ('Bicycle', 'Boat', 'People')


def _record(name, ap, base=None, niqe=5.0, label=None):
    metrics = {'voc/AP50': ap, 'coco/bbox_mAP': ap / 2, 'quality/niqe': niqe,
               'cost/params': 1000, 'cost/gflops': 1.5, 'cost/ms_per_image': 3.0}
    for i, cls in enumerate(CLASSES):
        metrics[f'voc/AP50/{cls}'] = ap + 0.01 * i
    return dict(cell=dict(enhancer=dict(name=name, base=base, label=label),
                          dataset=dict(name='exdark'), detector=dict(name='yolov3')),
                metrics=metrics, num_images=10, nonfinite_images=0)


RECORDS = [_record('normal_light', 0.9), _record('identity', 0.4, niqe=9.0),
           _record('zerodce', 0.5), _record('zerodce_sdag', 0.55, base='zerodce'),
           _record('gamma', 0.45, niqe=6.0)]


def test_leaderboard_order_and_delta(tmp_path):
    table = leaderboard(records_to_frame(RECORDS))
    assert list(table.enhancer) == ['normal_light', 'zerodce_sdag', 'zerodce', 'gamma',
                                    'identity']
    assert table.set_index('enhancer').loc['zerodce_sdag', 'ΔAP50'] == pytest.approx(0.15)
    paths = write_leaderboard(table, str(tmp_path))
    md = open(paths[0]).read()
    assert '| zerodce_sdag' in md and '+0.150' in md
    assert pd.read_csv(paths[1]).shape[0] == 5
    assert '\\begin{tabular}' in open(paths[2]).read()


def test_per_class_sdag_table_has_delta_row():
    tables = paper_tables(RECORDS)
    per_class = tables['a_per_class_ap__exdark__yolov3']
    assert list(per_class.columns) == sorted(CLASSES) + ['mean']
    assert per_class.loc['Δ zerodce_sdag', 'mean'] == pytest.approx(0.05)
    assert per_class.loc['Δ zerodce_sdag', 'People'] == pytest.approx(0.05)
    assert 'normal_light' in per_class.index and 'gamma' not in per_class.index
    assert tables['c_visual_quality'].loc['identity', 'NIQE'] == 9.0
    assert tables['d_efficiency'].loc['gamma', 'params'] == 1000


def test_make_tables_cli_reads_cells(tmp_path, capsys):
    assert make_tables_main(['--work-dir', str(tmp_path)]) == 2  # nothing yet: clear error
    assert 'no cells' in capsys.readouterr().err
    store = ResultStore(str(tmp_path))
    for record in RECORDS:
        name = record['cell']['enhancer']['name']
        cell = CellSpec(EnhancerSpec(name, 'x.py'), DatasetSpec('exdark', 'd.py'),
                        DetectorSpec('yolov3', 'y.py'))
        store.save(cell, record)
    assert make_tables_main(['--work-dir', str(tmp_path)]) == 0
    written = sorted(os.listdir(tmp_path / 'tables'))
    assert 'a_per_class_ap__exdark__yolov3.md' in written and 'd_efficiency.tex' in written


def test_plots_are_written(tmp_path):
    table = leaderboard(records_to_frame(RECORDS))
    assert os.path.getsize(plot_ap_vs_niqe(table, str(tmp_path / 'a.png'))) > 1000
    assert os.path.getsize(plot_per_class_ap(RECORDS, str(tmp_path / 'b.png'))) > 1000
    grid = save_qualitative_grid([[np.random.rand(8, 8, 3)] * 2] * 3, ['a', 'b', 'c'],
                                 str(tmp_path / 'c.png'))
    assert os.path.getsize(grid) > 1000
    # without quality numbers there is no AP-vs-NIQE plot, and no crash
    no_quality = table.assign(NIQE=math.nan)
    assert plot_ap_vs_niqe(no_quality, str(tmp_path / 'd.png')) is None


def test_qualitative_grid_is_reused_until_a_row_changes(tmp_path, monkeypatch):
    from sdag_bench.benchmark import qualitative
    dataset = DatasetSpec('demo', 'configs/_base_/datasets/demo.py')
    detector = DetectorSpec('d', 'configs/detectors/demo_retinanet.py')
    gamma = tmp_path / 'gamma.py'
    gamma.write_text("enhancer = dict(type='Gamma', gamma=0.5)\n")
    cells = [CellSpec(EnhancerSpec(n, c), dataset, detector)
             for n, c in (('identity', 'configs/enhancers/identity.py'), ('gamma', str(gamma)))]
    path = str(tmp_path / 'grid.png')
    rendered = []
    monkeypatch.setattr(qualitative, 'save_qualitative_grid',
                        lambda rows, names, p: rendered.append(names) or
                        save_qualitative_grid(rows, names, p))
    qualitative.render_qualitative_grid(cells, path, num_images=2)
    qualitative.render_qualitative_grid(cells, path, num_images=2)
    assert rendered == [['identity', 'gamma']]  # the second call reused the grid
    gamma.write_text("enhancer = dict(type='Gamma', gamma=0.6)\n")
    qualitative.render_qualitative_grid(cells, path, num_images=2)
    assert len(rendered) == 2 and os.path.isfile(path + '.key')
