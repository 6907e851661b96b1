"""Paired bootstrap differences, Kendall tau against scipy, and the seeds + images study."""
import numpy as np
import pytest
from scipy.stats import kendalltau

from sdag_bench.benchmark.report.intervals import CellDraws
from sdag_bench.benchmark.report.seed_intervals import seed_significance
from sdag_bench.stats import kendall_tau, kendall_tau_draws, paired_difference


def test_paired_difference_interval_and_p():
    rng = np.random.default_rng(0)
    a = rng.normal(0.5, 0.02, 1000)
    same = paired_difference(a, a, 0.5, 0.5)
    assert same['p'] == 1.0 and same['low'] == same['high'] == 0.0
    shifted = paired_difference(a + 0.01, a, 0.51, 0.5)  # every resample: +0.01
    assert shifted['p'] == pytest.approx(2 / 1001)
    assert shifted['low'] == pytest.approx(0.01) and shifted['high'] == pytest.approx(0.01)
    with_nan = paired_difference(np.r_[a[:10], np.nan], np.r_[a[:10], 0.5], 0.5, 0.5)
    assert with_nan['draws'] == 10  # a resample without a value is left out
    # hand count of the two-sided bootstrap p-value on a small example
    d = np.array([-0.2, 0.1, 0.3, 0.4, 0.5])
    assert paired_difference(d, np.zeros(5), 0.2, 0)['p'] == pytest.approx(2 * 2 / 6)


@pytest.mark.parametrize('n', [4, 7, 15])
def test_kendall_tau_equals_scipy(n):
    rng = np.random.default_rng(n)
    x = rng.integers(0, 3, n).astype(float)  # ties
    y = rng.normal(size=n)
    y[1] = y[0]
    assert kendall_tau(x, y) == pytest.approx(kendalltau(x, y).statistic, abs=1e-12)
    many = rng.normal(size=(5, n))
    taus = kendall_tau_draws(many, y[None].repeat(5, 0))
    np.testing.assert_allclose(taus, [kendalltau(m, y).statistic for m in many], atol=1e-12)
    x[2] = np.nan  # a row without the metric is left out of every pair
    keep = np.isfinite(x)
    assert kendall_tau(x, y) == pytest.approx(kendalltau(x[keep], y[keep]).statistic)


def _cell(name: str, draws: np.ndarray, point: float) -> CellDraws:
    cell = CellDraws((name, 'set', 'det'), (1, 2, 3))
    cell.points['AP50'], cell.draws['AP50'] = point, draws
    return cell


def test_seed_study_combines_seeds_and_images():
    """Two-level bootstrap against a loop written out: per resample b, seeds drawn with
    replacement by default_rng(seed).integers(0, S, (B, S)), mean gain over them."""
    rng = np.random.default_rng(1)
    B, seeds = 400, 3
    plain = [rng.normal(0.30, 0.01, B) for _ in range(seeds)]
    gain = [0.004, 0.012, -0.002]
    guided = [p + g + rng.normal(0, 0.003, B) for p, g in zip(plain, gain)]
    cells = {}
    for s in range(seeds):
        suffix = '' if s == 0 else f'_s{s}'
        for name, draws, point in ((f'zerodce{suffix}', plain[s], 0.30),
                                   (f'zerodce_sdag{suffix}', guided[s], 0.30 + gain[s])):
            cells[(name, 'set', 'det')] = _cell(name, draws, point)
    table = seed_significance(cells, {'zerodce_sdag': 'zerodce'}, seed=7)
    assert len(table) == 1
    row = table.iloc[0]
    assert row.seeds == 3 and row.delta == pytest.approx(np.mean(gain))
    picks = np.random.default_rng(7).integers(0, seeds, size=(B, seeds))
    combined = np.array([np.mean([guided[s][b] - plain[s][b] for s in picks[b]])
                         for b in range(B)])
    assert row.low == pytest.approx(np.percentile(combined, 2.5))
    assert row.high == pytest.approx(np.percentile(combined, 97.5))
    images = np.mean([g - p for g, p in zip(guided, plain)], 0)
    assert row.images_low == pytest.approx(np.percentile(images, 2.5))
    # the seeds' spread widens the interval beyond the test images' alone
    assert row.high - row.low > row.images_high - row.images_low
