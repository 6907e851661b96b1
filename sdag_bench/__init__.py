"""sdag_bench: detection-driven benchmark for unsupervised low-light enhancement."""
from .registry import register_all_modules

__version__ = '0.1.0'
__all__ = ['register_all_modules', '__version__']
