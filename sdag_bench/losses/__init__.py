"""Unsupervised enhancement losses and the SDAG guidance loss."""
from .enhancement_loss import EnhancementLoss
from .ruas_losses import RUASDenoiseLoss
from .sci_losses import SCIFidelityLoss, SCISmoothingLoss
from .zero_dce_losses import (ColorConstancyLoss, ExposureControlLoss, IlluminationSmoothnessLoss,
                              SpatialConsistencyLoss)

__all__ = [
    'EnhancementLoss', 'SpatialConsistencyLoss', 'ExposureControlLoss', 'ColorConstancyLoss',
    'IlluminationSmoothnessLoss', 'SCIFidelityLoss', 'SCISmoothingLoss', 'RUASDenoiseLoss'
]
