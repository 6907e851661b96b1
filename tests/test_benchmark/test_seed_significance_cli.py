"""tools/seed_study.py says per method whether SDAG's gain is significant, checked against mmdet.

Zero-DCE and SDAG-guided Zero-DCE (3 training seeds each, the demo zoo's checkpoints) on 12 demo
test images, 100 resamples. The reference: each seed cell's AP50 on the documented resamples by
mmdet's ``eval_map`` from the stored predictions; the gain per resample is the mean over seeds of
guided - plain (test images only), or over seeds drawn with replacement by
``default_rng(seed).integers(0, S, (B, S))`` (seeds + test images).
"""
import contextlib
import io
import os

import numpy as np
import pandas as pd
import pytest
from eval_map_reference import SerialPool, bootstrap_p, documented_weights, eval_map_draws
from small_bench import PROJECT_ROOT, make_small_bench

DRAWS = 100


@pytest.mark.slow
def test_seed_study_significance_equals_eval_map_resamples(tmp_path, monkeypatch):
    from tools.seed_study import main
    bench = make_small_bench(tmp_path, num_images=12, enhancer_dirs=['configs/demo_zoo'])
    work = tmp_path / 'work'
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out):
            code = main(['--benchmark', str(bench['bench']), '--work-dir', str(work),
                         '--enhancers', 'zerodce,zerodce_sdag', '--no-progress',
                         '--bootstrap', str(DRAWS), '--bootstrap-seed', '4'])
    finally:
        os.chdir(cwd)
    assert code == 0, out.getvalue()[-3000:]

    from mmdet.evaluation.functional import mean_ap
    monkeypatch.setattr(mean_ap, 'Pool', SerialPool)
    weights = documented_weights(12, DRAWS, seed=4)

    def cell(row: str, seed: int):
        name = row if seed == 0 else f'{row}_s{seed}'
        folder = work / 'cells' if seed == 0 else work / 'seeds' / 'cells'
        return eval_map_draws(folder / f'{name}__small__demo_retinanet.predictions.npz',
                              bench['ann'], weights)

    gains = np.stack([cell('zerodce_sdag', s) - cell('zerodce', s) for s in range(3)])
    images = gains[:, 1:].mean(0)
    picks = np.random.default_rng(4).integers(0, 3, size=(DRAWS, 3))
    both = np.array([gains[picks[b], 1 + b].mean() for b in range(DRAWS)])

    table = pd.read_csv(work / 'seeds_significance.csv')
    assert len(table) == 1
    row = table.iloc[0]
    assert row.seeds == 3 and row.delta == pytest.approx(gains[:, 0].mean(), abs=2e-6)
    assert row.images_low == pytest.approx(np.percentile(images, 2.5), abs=2e-6)
    assert row.images_high == pytest.approx(np.percentile(images, 97.5), abs=2e-6)
    assert row.images_p == pytest.approx(bootstrap_p(images))
    assert row.low == pytest.approx(np.percentile(both, 2.5), abs=2e-6)
    assert row.high == pytest.approx(np.percentile(both, 97.5), abs=2e-6)
    assert row.p == pytest.approx(bootstrap_p(both))
    verdict = 'significant*' if bootstrap_p(both) < 0.05 else 'not significant'
    text = (work / 'seeds.md').read_text()
    assert 'Is SDAG' in text and f'| {verdict}' in text.replace(' |', ' |'), text
