"""mmengine models around enhancers: the training wrapper and the data preprocessors."""
from .data_preprocessors import (EnhancedDetDataPreprocessor, EnhancerDataPreprocessor,
                                 FrozenEnhancerDetDataPreprocessor)
from .unsupervised_enhancer import UnsupervisedEnhancerModel

__all__ = [
    'EnhancedDetDataPreprocessor', 'EnhancerDataPreprocessor',
    'FrozenEnhancerDetDataPreprocessor', 'UnsupervisedEnhancerModel'
]
