"""mmengine models wrapping enhancers (UnsupervisedEnhancerModel)."""
from .data_preprocessor import EnhancerDataPreprocessor
from .unsupervised_enhancer import UnsupervisedEnhancerModel

__all__ = ['EnhancerDataPreprocessor', 'UnsupervisedEnhancerModel']
