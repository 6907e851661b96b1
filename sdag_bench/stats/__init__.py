"""Statistics over stored per-image predictions: bootstrap intervals, paired tests, agreement."""
from .agreement import kendall_tau, kendall_tau_draws
from .bootstrap import (bootstrap_weights, percentile_interval, voc_ap_draws,
                        weighted_mean_draws)
from .paired import paired_difference
from .voc_matching import VocMatches, match_voc

__all__ = ['VocMatches', 'match_voc', 'bootstrap_weights', 'voc_ap_draws',
           'weighted_mean_draws', 'percentile_interval', 'paired_difference', 'kendall_tau',
           'kendall_tau_draws']
