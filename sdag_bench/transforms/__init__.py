"""Data transforms (LowLightDegrade, robust image loading)."""
