"""SDAG: semantic degradation-aware guidance network, degradations, pretraining."""
