"""Data preprocessors: batches for enhancers, and an enhancer in front of any mmdet detector."""
from .enhanced_det_data_preprocessor import EnhancedDetDataPreprocessor
from .enhancer_data_preprocessor import EnhancerDataPreprocessor
from .frozen_enhancer import FrozenEnhancerDetDataPreprocessor

__all__ = [
    'EnhancedDetDataPreprocessor', 'EnhancerDataPreprocessor', 'FrozenEnhancerDetDataPreprocessor'
]
