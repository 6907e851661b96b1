"""Unsupervised enhancement losses and the SDAG guidance loss."""
