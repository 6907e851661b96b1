"""Low-light enhancers: one file per family, every class registered in ``MODELS``."""
from .base import BaseEnhancer
from .builder import build_enhancer, build_enhancer_from_config, load_enhancer_weights
from .classical import CLAHE, MSRCP, Gamma, HistEq, Identity
from .clip_lit import CLIPLIT
from .pairlie import PairLIE
from .precomputed import PrecomputedEnhancer
from .ruas import RUAS
from .sci import SCI
from .zero_dce import ZeroDCE, ZeroDCEPP

__all__ = [
    'BaseEnhancer', 'Identity', 'Gamma', 'HistEq', 'CLAHE', 'MSRCP', 'ZeroDCE', 'ZeroDCEPP', 'SCI',
    'RUAS', 'PairLIE', 'CLIPLIT', 'PrecomputedEnhancer', 'build_enhancer',
    'build_enhancer_from_config', 'load_enhancer_weights'
]
