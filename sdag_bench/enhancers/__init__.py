"""Low-light enhancers: one file per family, every class registered in ``MODELS``."""
from .base import BaseEnhancer
from .classical import Gamma, Identity

__all__ = ['BaseEnhancer', 'Identity', 'Gamma']
