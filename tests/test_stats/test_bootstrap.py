"""Bootstrap AP against mmdet's eval_map on the same resampled image lists."""
import numpy as np
import pytest
from mmdet.evaluation.functional import eval_map
from scipy.stats import chisquare

from sdag_bench.stats import (bootstrap_weights, match_voc, percentile_interval, voc_ap_draws,
                              weighted_mean_draws)
from synthetic_cells import eval_map_inputs, synthetic_cell

CLASSES = 6


@pytest.fixture(scope='module')
def cell():
    predictions, truth = synthetic_cell(num_images=120, num_classes=CLASSES, seed=5)
    return predictions, truth


def reference(predictions, truth, counts, legacy=True):
    """mmdet's eval_map on the image list with image i repeated counts[i] times."""
    dets, anns = eval_map_inputs(predictions, truth, CLASSES, counts)
    mean, results = eval_map(dets, anns, iou_thr=0.5, eval_mode='area', logger='silent',
                             use_legacy_coordinate=legacy, nproc=1)
    per_class = [float(r['ap']) if r['num_gts'] > 0 else np.nan for r in results]
    return mean, np.array(per_class)


@pytest.mark.parametrize('legacy', [True, False])
def test_each_resample_equals_eval_map(cell, legacy):
    """AP50 and per-class AP50 of the plain set and of 4 resamples (duplicated images passed
    to eval_map as duplicates) equal eval_map's (which accumulates in float32)."""
    predictions, truth = cell
    matches = match_voc(predictions, truth, CLASSES, legacy=legacy)
    weights = np.vstack([np.ones((1, 120), np.int32), bootstrap_weights(120, 4, seed=11)])
    assert (weights[1:] == 0).any() and (weights[1:] > 1).any()  # drops and duplicates
    mean, per_class = voc_ap_draws(matches, weights)
    for row in range(len(weights)):
        ref_mean, ref_class = reference(predictions, truth, weights[row], legacy)
        assert mean[row] == pytest.approx(ref_mean, abs=2e-6)
        np.testing.assert_allclose(per_class[row], ref_class, atol=2e-6)


def test_legacy_convention_changes_matches():
    """The +1 px convention decides a hit: det [0, 0, 1, 2] on gt [0, 0, 3, 2] has IoU
    6 / 12 = 0.5 with +1 px (2x3 in 4x3, a hit) and 2 / 6 = 0.33 without (a miss)."""
    predictions = dict(img_ids=np.array([0]), offsets=np.array([0, 1]),
                       bboxes=np.array([[0, 0, 1, 2]], np.float32),
                       scores=np.array([0.9], np.float32), labels=np.array([0]))
    truth = {0: dict(bboxes=np.array([[0, 0, 3, 2]], np.float32), labels=np.array([0]),
                     bboxes_ignore=np.zeros((0, 4), np.float32), labels_ignore=np.zeros(0))}
    ones = np.ones((1, 1), np.int32)
    assert voc_ap_draws(match_voc(predictions, truth, 1, legacy=True), ones)[0][0] == 1.0
    assert voc_ap_draws(match_voc(predictions, truth, 1, legacy=False), ones)[0][0] == 0.0


def test_weights_are_seeded_resamples_with_replacement():
    """Each row draws the M images uniformly with replacement, independently of the others:
    an image's count is Binomial(M, 1/M) (mean 1, variance 1 - 1/M, zero with probability
    (1 - 1/M)^M), every image is drawn as often as every other, and rows do not repeat."""
    images, draws = 50, 4000
    first = bootstrap_weights(images, draws, seed=3)
    assert first.shape == (draws, images) and first.dtype == np.int32
    assert (first.sum(1) == images).all() and (first >= 0).all()
    np.testing.assert_array_equal(first, bootstrap_weights(images, draws, seed=3))
    assert not np.array_equal(first, bootstrap_weights(images, draws, seed=4))
    counts = first.ravel().astype(float)
    p_zero = (1 - 1 / images)**images
    n = counts.size
    assert abs((counts == 0).mean() - p_zero) < 4 * np.sqrt(p_zero * (1 - p_zero) / n)
    variance = 1 - 1 / images  # of Binomial(M, 1/M); its estimate's error is about 1.7 / sqrt(n)
    assert abs(counts.var() - variance) < 4 * 1.7 / np.sqrt(n)
    totals = first.sum(0)  # each image over all draws: Multinomial(draws * M, uniform)
    assert chisquare(totals).pvalue > 1e-4, totals
    assert len({row.tobytes() for row in first}) == draws
    lag = np.corrcoef(counts[:-images], counts[images:])[0, 1]  # one row against the next
    assert abs(lag) < 4 / np.sqrt(n)


def test_quality_mean_is_unbiased_within_monte_carlo_error():
    """A mean of per-image values: the bootstrap mean equals the plain mean within 4 Monte-Carlo
    standard errors; NaN (not scored) images are left out as the stored mean does."""
    values = np.random.default_rng(0).gamma(2.0, 2.0, 300)
    values[::17] = np.nan
    draws = weighted_mean_draws(values, bootstrap_weights(300, 1000, seed=1))
    plain = np.nanmean(values)
    assert abs(draws.mean() - plain) < 4 * draws.std() / np.sqrt(len(draws))
    single = weighted_mean_draws(values, np.eye(300, dtype=np.int32)[:5] * 300)
    np.testing.assert_allclose(single[[0, 1]], values[[0, 1]])  # image 0 is NaN -> NaN
    assert np.isnan(single[0])


def test_ap_bootstrap_mean_against_plain_ap(cell):
    """The AP50 bootstrap distribution's mean against the plain AP50, in Monte-Carlo errors.

    AP is not a mean over images: the precision envelope takes a maximum over noisy precisions,
    so the resampled AP is biased upward by the estimator's own small-sample bias (measured
    here: +0.003, several Monte-Carlo errors). The check is that the bias is that of AP and not
    of our resampling: the same mean taken over eval_map's APs on the first 10 resamples equals
    ours on them, and both sit above the plain value by less than a tenth of the interval."""
    predictions, truth = cell
    matches = match_voc(predictions, truth, CLASSES)
    weights = bootstrap_weights(120, 1000, seed=0)
    draws, _ = voc_ap_draws(matches, weights)
    plain = voc_ap_draws(matches, np.ones((1, 120), np.int32))[0][0]
    low, high = percentile_interval(draws)
    assert low < plain < high
    assert abs(draws.mean() - plain) < 0.1 * (high - low)
    ref = [reference(predictions, truth, weights[b])[0] for b in range(10)]
    assert np.mean(ref) == pytest.approx(draws[:10].mean(), abs=2e-6)
