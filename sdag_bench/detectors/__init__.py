"""Detector wrappers (label maps, face detectors)."""
