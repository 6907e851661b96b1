"""Batches of images for enhancers: float RGB in [0, 1], stacked."""
from typing import Optional, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor
from mmengine.structures import BaseDataElement
from torch import Tensor

from sdag_bench.registry import MODELS


def to_float_image(img: Tensor, bgr_to_rgb: bool = False) -> Tensor:
    """One image (CHW or HWC, uint8 or float in [0, 1]) -> float CHW in [0, 1]."""
    if img.dim() != 3:
        raise ValueError(f'expected a 3-D image tensor, got shape {tuple(img.shape)}')
    if img.shape[0] not in (1, 3) and img.shape[-1] in (1, 3):
        img = img.permute(2, 0, 1)  # HWC -> CHW
    img = img.float() / 255 if img.dtype == torch.uint8 else img.float()
    if img.shape[0] == 1:
        img = img.expand(3, -1, -1)
    return img.flip(0) if bgr_to_rgb else img


def stack_images(images: Union[Tensor, Sequence[Tensor]], bgr_to_rgb: bool = False) -> Tensor:
    """A list of images or an (N, C, H, W) batch -> float (N, 3, H, W) in [0, 1].

    Raises:
        ValueError: If the images differ in size (crop them to one size in the dataset).
    """
    if isinstance(images, Tensor) and images.dim() == 4:
        images = list(images)
    images = [to_float_image(img, bgr_to_rgb) for img in images]
    shapes = {tuple(img.shape) for img in images}
    if len(shapes) > 1:
        raise ValueError(f'cannot batch images of different sizes {sorted(shapes)}; give the '
                         'dataset a crop_size or use batch_size=1')
    return torch.stack(images)


@MODELS.register_module()
class EnhancerDataPreprocessor(BaseDataPreprocessor):
    """Move a batch to the model's device and stack it as float RGB in [0, 1].

    ``inputs`` may be a list of uint8 / float images (CHW or HWC) or a stacked batch; a
    ``gt_img`` on the data samples (paired datasets) is converted the same way.

    Args:
        bgr_to_rgb (bool): Flip the channel order (for BGR loaders). Defaults to False.
    """

    def __init__(self, bgr_to_rgb: bool = False, non_blocking: Optional[bool] = False) -> None:
        super().__init__(non_blocking)
        self.bgr_to_rgb = bgr_to_rgb

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        samples = data.get('data_samples')
        for sample in samples or ():
            if isinstance(sample, BaseDataElement) and 'gt_img' in sample:
                sample.gt_img = to_float_image(sample.gt_img, self.bgr_to_rgb)
        return {'inputs': stack_images(data['inputs'], self.bgr_to_rgb), 'data_samples': samples}
