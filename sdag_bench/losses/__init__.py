"""Unsupervised enhancement losses and the SDAG guidance loss (each with its plain function)."""
from .enhancement_loss import EnhancementLoss
from .ruas_losses import RUASDenoiseLoss, total_variation
from .sci_losses import SCIFidelityLoss, SCISmoothingLoss, edge_aware_smoothness
from .sdag_losses import SDAGLoss, sdag_guidance_loss
from .zero_dce_losses import (ColorConstancyLoss, ExposureControlLoss, IlluminationSmoothnessLoss,
                              SpatialConsistencyLoss, color_constancy_loss,
                              exposure_control_loss, illumination_smoothness_loss,
                              spatial_consistency_loss)

__all__ = [
    'EnhancementLoss', 'SpatialConsistencyLoss', 'ExposureControlLoss', 'ColorConstancyLoss',
    'IlluminationSmoothnessLoss', 'SCIFidelityLoss', 'SCISmoothingLoss', 'RUASDenoiseLoss',
    'SDAGLoss', 'color_constancy_loss', 'edge_aware_smoothness', 'exposure_control_loss',
    'illumination_smoothness_loss', 'sdag_guidance_loss', 'spatial_consistency_loss',
    'total_variation'
]
