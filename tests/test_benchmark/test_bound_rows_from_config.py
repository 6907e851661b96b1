"""The bound rows are the ones the benchmark config names: ``lower_bound`` (the row every Δ is
taken against, added by the planner) and each dataset's ``upper_bound.name`` (sorted first)."""
import shutil

import pandas as pd
import pytest
from small_bench import PROJECT_ROOT, make_small_bench, run_tool_main

from sdag_bench.benchmark.cells import BoundRows


def test_bound_rows_of_a_config():
    assert BoundRows.of(dict(datasets=dict(a=dict(config='x.py')))) == BoundRows('identity', ())
    cfg = dict(lower_bound='none', datasets=dict(
        a=dict(config='x.py', upper_bound=dict(name='originals')),
        b=dict(config='y.py', upper_bound=dict(name='clean'))))
    assert BoundRows.of(cfg) == BoundRows('none', ('clean', 'originals'))
    assert [BoundRows.of(cfg).role(e) for e in ('clean', 'gamma', 'none')] == [0, 1, 2]


def test_renamed_bound_rows_through_the_cli(tmp_path):
    rows = tmp_path / 'rows'
    rows.mkdir()
    shutil.copyfile(PROJECT_ROOT / 'configs' / 'enhancers' / 'identity.py', rows / 'none.py')
    bench = make_small_bench(tmp_path, num_images=4, extra_metrics='[]', cost_cfg='None',
                             enhancer_dirs=[str(rows), 'configs/enhancers'])['bench']
    text = bench.read_text().replace(
        "split='test'))",
        "split='test', upper_bound=dict(name='originals', label='the references', "
        "config='configs/enhancers/identity.py', "
        "dataset_overrides=dict(data_prefix=dict(img='normal/test/')))))")
    bench.write_text(text + "lower_bound = 'none'\n")
    work = tmp_path / 'work'
    code, out, err = run_tool_main('benchmark', [
        '--benchmark', str(bench), '--enhancers', 'gamma', '--work-dir', str(work),
        '--no-plots', '--no-progress', '--bootstrap', '200', '--device', 'cpu'])
    assert code == 0, err[-3000:]
    table = pd.read_csv(work / 'leaderboard.csv')
    # the planner added the config's lower bound, not the usual 'identity'
    assert list(table.enhancer) == ['originals', 'gamma', 'none']
    ap = table.set_index('enhancer').AP50
    delta = table.set_index('enhancer')['ΔAP50']
    assert delta['gamma'] == pytest.approx(ap['gamma'] - ap['none'], abs=1e-12)
    assert delta['originals'] == pytest.approx(ap['originals'] - ap['none'], abs=1e-12)
    assert ap['originals'] > ap['none']  # the references are the brighter images
    # the paired test is against the config's lower bound
    assert table.set_index('enhancer')['p(ΔAP50)'].notna()['gamma']
    assert 'against `none`' in (work / 'leaderboard.md').read_text()
