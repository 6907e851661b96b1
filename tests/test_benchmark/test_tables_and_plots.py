"""Leaderboards, paper tables and plots from real cells: a tiny demo run through
tools/benchmark.py (24 images, the project-trained Zero-DCE plain and SDAG-guided, gamma and the
bounds), then tools/make_tables.py on what it stored. No hand-written records."""
import hashlib
import math
import os
import textwrap

import numpy as np
import pandas as pd
import pytest

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.store.result_store import ResultStore
from sdag_bench.benchmark.report.leaderboard import leaderboard, records_to_frame
from sdag_bench.benchmark.report.paper_tables import paper_tables
from sdag_bench.benchmark.report.plots import (plot_ap_vs_niqe, plot_per_class_ap,
                                               save_qualitative_grid)
from sdag_bench.benchmark.report.seed_table import summarize_seeds
from sdag_bench.utils.paths import PROJECT_ROOT
from tools.benchmark import main as benchmark_main
from tools.make_tables import main as make_tables_main

DEMO_CLASSES = ['circle', 'cross', 'square', 'star', 'triangle']
ROWS = ['normal_light', 'zerodce', 'zerodce_sdag', 'gamma', 'identity']


@pytest.fixture(scope='module')
def tiny_demo_run(tmp_path_factory):
    """tools/benchmark.py on a 24-image demo benchmark config; the stored records."""
    folder = tmp_path_factory.mktemp('tiny_demo')
    dataset = folder / 'demo_24.py'
    dataset.write_text(f"_base_ = '{PROJECT_ROOT / 'configs/_base_/datasets/demo.py'}'\n"
                       'test_dataloader = dict(dataset=dict(indices=24))\n')
    bench = folder / 'tiny_demo.py'
    # the demo benchmark (its bound row, detector, enhancer folders and metrics) on 24 images,
    # the enhancers' cost measured once at 64 x 64
    bench.write_text(textwrap.dedent(f"""\
        _base_ = '{PROJECT_ROOT / 'configs/benchmark/demo.py'}'
        benchmark = 'tiny_demo'
        datasets = dict(demo=dict(config='{dataset}', split='test (first 24)'))
        cost_cfg = dict(input_size=(64, 64), warmup=0, repeats=1)
        """))
    work_dir = str(folder / 'results')
    assert benchmark_main(['--benchmark', str(bench), '--enhancers', 'zerodce,zerodce_sdag,gamma',
                           '--work-dir', work_dir, '--no-progress']) == 0
    records = {r['cell']['enhancer']['name']: r for r in ResultStore(work_dir).records()}
    assert sorted(records) == sorted(ROWS)
    return work_dir, records


def test_cells_carry_canonical_metrics_and_their_protocol(tiny_demo_run):
    _, records = tiny_demo_run
    with open(PROJECT_ROOT / 'data/demo/annotations/test.json', 'rb') as f:
        ann_sha256 = hashlib.sha256(f.read()).hexdigest()
    for record in records.values():
        metrics = record['metrics']
        assert {'AP50', 'mAP', 'niqe', 'psnr', 'ssim'} <= set(metrics)
        assert {f'AP50/{c}' for c in DEMO_CLASSES} <= set(metrics)
        assert not any(k.startswith(('voc/', 'coco/', 'quality/')) for k in metrics)
        assert metrics['AP50'] == record['raw_metrics']['voc/AP50']
        assert metrics['mAP'] == record['raw_metrics']['coco/bbox_mAP']
        protocol = record['protocol']
        assert protocol['ann_sha256'] == ann_sha256
        assert protocol['enhanced_at'] == 'native' and protocol['detector_weights'] == 'frozen'
        assert (protocol['iou'], protocol['eval_mode']) == (0.5, 'area')
        assert protocol['split'] == 'test (first 24)' and record['num_images'] == 24
        assert record['skipped_images'] == 0


def test_leaderboard_order_delta_and_protocol_header(tiny_demo_run):
    work_dir, records = tiny_demo_run
    table = pd.read_csv(os.path.join(work_dir, 'leaderboard.csv'))
    methods = sorted(['zerodce', 'zerodce_sdag', 'gamma'],
                     key=lambda n: -records[n]['metrics']['AP50'])
    assert list(table.enhancer) == ['normal_light'] + methods + ['identity']
    identity = records['identity']['metrics']['AP50']
    for name in ROWS:
        row = table.set_index('enhancer').loc[name]
        assert row['AP50'] == pytest.approx(records[name]['metrics']['AP50'])
        assert row['ΔAP50'] == pytest.approx(records[name]['metrics']['AP50'] - identity)
        assert row['NIQE'] == pytest.approx(records[name]['metrics']['niqe'])
    assert set(table['protocol.detector_input']) == {'Resize(scale=(192, 192), keep_ratio=True)'}
    sha = records['identity']['protocol']['ann_sha256'][:12]
    md = open(os.path.join(work_dir, 'leaderboard.md')).read()
    header = md.split('| enhancer')[0]
    assert 'demo / demo_retinanet: enhanced at native size' in header
    assert 'detector input Resize(scale=(192, 192), keep_ratio=True); frozen detector' in header
    assert 'AP50: VOC area, IoU 0.5' in header and f'annotations sha256 {sha}' in header
    tex = open(os.path.join(work_dir, 'leaderboard.tex')).read()
    assert tex.startswith('% protocol: demo / demo_retinanet') and '\\begin{tabular}' in tex


def test_per_class_sdag_table_from_the_cells(tiny_demo_run):
    _, records = tiny_demo_run
    tables = paper_tables(list(records.values()))
    per_class = tables['a_per_class_ap__demo__demo_retinanet']
    assert list(per_class.columns) == DEMO_CLASSES + ['mean']
    plain, guided = records['zerodce']['metrics'], records['zerodce_sdag']['metrics']
    delta = per_class.loc['Δ zerodce_sdag']
    for cls in DEMO_CLASSES:
        assert delta[cls] == pytest.approx(guided[f'AP50/{cls}'] - plain[f'AP50/{cls}'])
    assert delta['mean'] == pytest.approx(guided['AP50'] - plain['AP50'])
    assert 'gamma' not in per_class.index
    assert 'normal_light (normal-light references (upper bound))' in per_class.index
    assert tables['c_visual_quality'].loc['identity', 'NIQE'] == records['identity'][
        'metrics']['niqe']
    assert tables['d_efficiency'].loc['zerodce', 'params'] == records['zerodce']['metrics'][
        'cost/params'] > 0


def test_make_tables_cli_reads_the_stored_cells(tiny_demo_run, tmp_path, capsys):
    work_dir, _ = tiny_demo_run
    assert make_tables_main(['--work-dir', str(tmp_path)]) == 2  # nothing there: clear error
    assert 'no cells' in capsys.readouterr().err
    assert make_tables_main(['--work-dir', work_dir]) == 0
    written = sorted(os.listdir(os.path.join(work_dir, 'tables')))
    assert 'a_per_class_ap__demo__demo_retinanet.md' in written
    assert 'd_efficiency.tex' in written and 'c_visual_quality.md' in written


def test_seed_summary_reads_canonical_ap(tiny_demo_run):
    _, records = tiny_demo_run
    summary = summarize_seeds(list(records.values()), {'zerodce_sdag': 'zerodce'})
    line = summary.iloc[0]
    assert line.seeds == 1
    assert line.delta == pytest.approx(records['zerodce_sdag']['metrics']['AP50'] -
                                       records['zerodce']['metrics']['AP50'])


def _image(path: str) -> np.ndarray:
    """A written plot as pixels: an image, not an empty canvas."""
    import cv2
    img = cv2.imread(path)
    assert img is not None and min(img.shape[:2]) >= 100, path
    assert img.std() > 5, f'{path} is blank'
    return img


def test_plots_are_written_from_the_cells(tiny_demo_run, tmp_path, monkeypatch):
    """Each plot draws the stored numbers: one AP50-vs-NIQE point per row, one per-class bar
    per (row, class) at the cell's AP50 of that class, the grid's tiles are the given images."""
    import matplotlib.axes
    work_dir, records = tiny_demo_run
    for name in ('ap_vs_niqe.png', 'per_class_ap.png', 'qualitative_grid.png'):
        _image(os.path.join(work_dir, name))
    table = leaderboard(records_to_frame(records.values()))
    points, bars, tiles = [], [], []
    for method, sink in (('scatter', points), ('bar', bars), ('imshow', tiles)):
        original = getattr(matplotlib.axes.Axes, method)
        monkeypatch.setattr(matplotlib.axes.Axes, method,
                            lambda self, *a, _o=original, _s=sink, **k: (_s.append((a, k)), _o(
                                self, *a, **k))[1])
    assert plot_ap_vs_niqe(table, str(tmp_path / 'a.png')) == str(tmp_path / 'a.png')
    assert sorted((float(a[0]), float(a[1])) for a, _ in points) == sorted(
        (r['metrics']['niqe'], r['metrics']['AP50']) for r in records.values())
    assert plot_per_class_ap(list(records.values()), str(tmp_path / 'b.png')) is not None
    drawn = {k['label']: sorted(float(h) for h in a[1]) for a, k in bars}
    assert set(drawn) == set(records)
    for name, heights in drawn.items():  # each row's bars are its own per-class AP50
        stored = sorted(records[name]['metrics'][f'AP50/{c}'] for c in DEMO_CLASSES)
        assert heights == pytest.approx(stored), name
    _image(str(tmp_path / 'a.png'))
    _image(str(tmp_path / 'b.png'))
    # without quality numbers there is no AP-vs-NIQE plot, and no crash
    assert plot_ap_vs_niqe(table.assign(NIQE=math.nan), str(tmp_path / 'd.png')) is None
    images = [np.random.default_rng(i).random((8, 8, 3)) for i in range(2)]
    grid = save_qualitative_grid([images] * 3, ['a', 'b', 'c'], str(tmp_path / 'c.png'))
    assert len(tiles) == 6 and all(np.array_equal(a[0], images[i % 2])
                                   for i, (a, _) in enumerate(tiles))
    _image(grid)


def test_qualitative_grid_is_reused_until_a_row_changes(tmp_path, monkeypatch):
    from sdag_bench.benchmark.report import qualitative
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
