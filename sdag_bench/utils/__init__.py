"""Helpers every layer may use: project paths, checkpoint files, image reading, CLI checks."""
