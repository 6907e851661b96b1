"""One table of metric facts: what the leaderboard, the quality metric and the README read."""
import math
import re
import subprocess
import sys

import pandas as pd
import pytest

import sdag_bench.losses
import sdag_bench.metrics
from sdag_bench.benchmark.report.interval_tables import QUALITY_SIGN
from sdag_bench.benchmark.report.leaderboard import DEFAULT_COLUMNS, leaderboard
from sdag_bench.metrics import (METRIC_INFO, ImageQualityMetric, lower_better, metric_direction,
                                metric_info)
from sdag_bench.utils.paths import PROJECT_ROOT

#: The canonical names records on disk carry; renaming one orphans stored cells.
STORED_NAMES = {'AP50', 'AP75', 'mAP', 'AP_small', 'AP_medium', 'AP_large', 'niqe', 'psnr', 'ssim',
                'detections', 'detections_per_image', 'images_with_detections', 'faces',
                'faces_per_image', 'images_with_faces', 'cost/params', 'cost/flops',
                'cost/gflops', 'cost/ms_per_image'}
#: Derived from the stored per-image predictions (intervals, agreement), never stored in a record.
DERIVED_NAMES = {'confident_per_image', 'top_confidence'}


def _readme_facts() -> dict:
    """Rows of the README's metric facts table: name -> (title, better, range, meaning)."""
    text = (PROJECT_ROOT / 'README.md').read_text()
    header = '| name | title in tables | better | range | what it is |'
    assert header in text, 'README lost its metric facts table'
    rows = {}
    for line in text.split(header, 1)[1].splitlines()[2:]:
        if not line.startswith('|'):
            break
        name, title, better, bounds, meaning = [c.strip() for c in line.strip('|').split('|')]
        low, high = (math.inf if b.strip() == '∞' else float(b)
                     for b in bounds.strip('[]').split(','))
        rows[name.strip('`')] = (title, better, (low, high), meaning)
    return rows


def test_names_are_the_stored_ones_and_loe_is_gone():
    assert set(METRIC_INFO) == STORED_NAMES | DERIVED_NAMES
    assert all(name == info.name for name, info in METRIC_INFO.items())
    with pytest.raises(KeyError, match="'loe' is not a canonical metric name"):
        metric_info('loe')


def test_directions_ranges_and_per_class_names():
    assert metric_direction('niqe') == 'lower' and lower_better('cost/ms_per_image')
    assert metric_direction('AP50/Bicycle') == 'higher' and metric_info('mAP/car').name == 'mAP'
    assert METRIC_INFO['ssim'].score_range == (-1., 1.)
    assert METRIC_INFO['niqe'].lower_better and not METRIC_INFO['psnr'].lower_better
    with pytest.raises(KeyError, match='known'):
        metric_direction('AP75/car')  # only AP50 and mAP have per-class values


def test_readme_table_is_the_code_table():
    readme = _readme_facts()
    code = {name: (i.label, i.direction, i.score_range, i.description)
            for name, i in METRIC_INFO.items()}
    assert readme == code


#: The leaderboard's columns as a reader sees them: title -> (stored name, better direction),
#: written out here from the metrics' definitions (NIQE and every cost: lower is better).
EXPECTED_COLUMNS = {
    'AP50': ('AP50', 'higher'), 'mAP': ('mAP', 'higher'), 'NIQE': ('niqe', 'lower'),
    'PSNR': ('psnr', 'higher'), 'SSIM': ('ssim', 'higher'),
    'detections': ('detections', 'higher'), 'det./img': ('detections_per_image', 'higher'),
    'faces': ('faces', 'higher'),
    'faces/img': ('faces_per_image', 'higher'), 'params': ('cost/params', 'lower'),
    'GFLOPs': ('cost/gflops', 'lower'), 'ms/img': ('cost/ms_per_image', 'lower')}


def test_leaderboard_columns_and_quality_signs():
    assert DEFAULT_COLUMNS == EXPECTED_COLUMNS
    assert list(DEFAULT_COLUMNS) == list(EXPECTED_COLUMNS)  # the tables' column order
    assert QUALITY_SIGN == {'niqe': -1.0, 'psnr': 1.0, 'ssim': 1.0}
    assert ImageQualityMetric.directions == {'niqe': 'lower', 'psnr': 'higher', 'ssim': 'higher'}


@pytest.mark.parametrize('title', sorted(EXPECTED_COLUMNS))
def test_leaderboard_sorts_each_column_by_its_direction(title):
    """Methods sort best first on every column; the bounds stay at the ends."""
    frame = pd.DataFrame({'enhancer': ['a', 'b', 'c', 'identity', 'normal_light'],
                          'dataset': 'd', 'detector': 'det', title: [5.0, 3.0, 7.0, 1.0, 0.0]})
    order = list(leaderboard(frame, sort_by=title).enhancer)
    best_first = ['b', 'a', 'c'] if EXPECTED_COLUMNS[title][1] == 'lower' else ['c', 'a', 'b']
    assert order == ['normal_light'] + best_first + ['identity']


@pytest.mark.parametrize('package', [sdag_bench.metrics, sdag_bench.losses])
def test_exports_import_in_a_fresh_process(package):
    assert all(hasattr(package, name) for name in package.__all__)
    code = f'from {package.__name__} import *; print(len(dir()))'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    for name in {'metrics': ['ClasswiseVOCMetric', 'create_metric', 'list_metrics',
                             'NONFINITE_KEY', 'ENHANCED_FIELD'],
                 'losses': ['SDAGLoss']}[package.__name__.split('.')[-1]]:
        assert name in package.__all__


@pytest.mark.parametrize('key', ['NONFINITE_KEY', 'ENHANCED_FIELD'])
def test_sample_key_has_one_definition(key):
    from sdag_bench.models.data_preprocessors import enhanced_det_data_preprocessor as producer
    assert getattr(producer, key) is getattr(sdag_bench.metrics, key)
    pattern = re.compile(rf'^{key}\s*=', re.M)
    defining = [p.relative_to(PROJECT_ROOT) for p in (PROJECT_ROOT / 'sdag_bench').rglob('*.py')
                if pattern.search(p.read_text())]
    assert [str(p) for p in defining] == ['sdag_bench/metrics/image_quality_metric.py']
