"""A frozen enhancer in front of any mmdet detector, inside its data preprocessor."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmdet.models.data_preprocessors import DetDataPreprocessor
from torch import Tensor, nn

from sdag_bench.metrics.image_quality_metric import ENHANCED_FIELD, NONFINITE_KEY
from sdag_bench.registry import MODELS

#: Largest image enhanced by default (4096 x 4096): a full-resolution CNN enhancer holds tens of
#: float feature maps of this size (Zero-DCE: 32 channels, 2 GB each at 16 MP).
MAX_ENHANCE_PIXELS = 4096 * 4096


@MODELS.register_module()
class EnhancedDetDataPreprocessor(DetDataPreprocessor):
    """``DetDataPreprocessor`` that runs a frozen low-light enhancer first.

    Each loaded image (uint8, C x H x W, in ``input_channel_order``) is converted to RGB float
    [0, 1], enhanced (no grad, eval mode; images of equal size are enhanced as one batch), and
    handed back to the detector's own pipeline as float values on the 0-255 scale in the
    original channel order, so the usual ``bgr_to_rgb``, ``mean``/``std`` normalisation and
    padding follow unchanged. With ``Identity`` the detector input is bit-identical to plain
    ``DetDataPreprocessor``.

    Args:
        enhancer (dict | nn.Module, optional): Enhancer config (built from ``MODELS``) or
            module. ``None`` means no enhancement.
        input_channel_order (str): Channel order of the loaded images, ``'bgr'`` (mmcv's
            loading default) or ``'rgb'``. Defaults to ``'bgr'``.
        quantize (bool): Round the enhanced image to 8-bit levels, as saving it to PNG would.
            Defaults to False.
        keep_enhanced (bool): Attach the enhanced image to each data sample as
            ``enhanced_img`` so quality metrics use the very tensors the detector saw.
            Defaults to True.
        enhance_batch_size (int, optional): Images per enhancer call. None: one at a time on
            the CPU (a convolutional enhancer's activations then stay in the CPU caches; for
            Zero-DCE at 192 px this is several times faster than a batch of 8, see
            bench/pipeline.py), every image of one size at once on a GPU. Defaults to None.
        max_enhance_pixels (int, optional): Refuse (with the image's file name) to enhance a
            larger image instead of running out of memory; resize in the test pipeline first.
            None: no limit. Defaults to :data:`MAX_ENHANCE_PIXELS`.
        **kwargs: Passed to :class:`mmdet.models.data_preprocessors.DetDataPreprocessor`.
    """

    def __init__(self,
                 enhancer: Union[dict, nn.Module, None] = None,
                 input_channel_order: str = 'bgr',
                 quantize: bool = False,
                 keep_enhanced: bool = True,
                 enhance_batch_size: Optional[int] = None,
                 max_enhance_pixels: Optional[int] = MAX_ENHANCE_PIXELS,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if input_channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"input_channel_order must be 'bgr' or 'rgb', "
                             f'got {input_channel_order!r}')
        self.input_channel_order = input_channel_order
        self.quantize = quantize
        self.keep_enhanced = keep_enhanced
        if enhance_batch_size is not None and enhance_batch_size < 1:
            raise ValueError(f'enhance_batch_size must be >= 1, got {enhance_batch_size}')
        self.enhance_batch_size = enhance_batch_size
        self.max_enhance_pixels = max_enhance_pixels
        self.enhancer: Optional[nn.Module] = None
        self.set_enhancer(enhancer)

    def set_enhancer(self, enhancer: Union[dict, nn.Module, None]) -> None:
        """Replace the enhancer; it is frozen (eval mode, no gradients).

        Args:
            enhancer (dict | nn.Module, optional): Config or module; ``None`` removes it.
        """
        if isinstance(enhancer, dict):
            enhancer = MODELS.build(enhancer)
        if enhancer is not None:
            enhancer = enhancer.to(self.device).eval().requires_grad_(False)
        self.enhancer = enhancer

    def train(self, mode: bool = True) -> 'EnhancedDetDataPreprocessor':
        """Switch mode, keeping the frozen enhancer in eval mode."""
        super().train(mode)
        if self.enhancer is not None:
            self.enhancer.eval()
        return self

    def forward(self, data: dict, training: bool = False) -> dict:
        """Enhance the batch, then run the detector's own preprocessing.

        Args:
            data (dict): ``inputs`` (list of uint8 C x H x W tensors, or an N x C x H x W
                tensor) and ``data_samples``.
            training (bool): Passed to the parent. Defaults to False.

        Returns:
            dict: ``inputs`` (normalised, padded batch) and ``data_samples``.
        """
        data = self.cast_data(data)
        if self.enhancer is not None:
            data['inputs'] = self.enhance_inputs(data['inputs'], data.get('data_samples'))
        return super().forward(data, training)

    def _check_size(self, img: Tensor, idx: int, data_samples: Optional[list]) -> None:
        """Refuse an image too large to enhance, naming its file."""
        height, width = img.shape[-2:]
        if self.max_enhance_pixels is None or height * width <= self.max_enhance_pixels:
            return
        name = f'image {idx}'
        if data_samples is not None and idx < len(data_samples):
            name = data_samples[idx].metainfo.get('img_path', name)
        raise ValueError(
            f'{name}: {width} x {height} ({height * width / 1e6:.1f} MP) is larger than '
            f'max_enhance_pixels ({self.max_enhance_pixels / 1e6:.1f} MP); resize it in the test '
            "pipeline (e.g. dict(type='Resize', scale=(1333, 800), keep_ratio=True)) or raise "
            'max_enhance_pixels if the memory allows')

    def _run_enhancer(self, batch: Tensor) -> Tensor:
        """The enhancer over ``batch`` in chunks of :attr:`enhance_batch_size`."""
        chunk = self.enhance_batch_size or (1 if batch.device.type == 'cpu' else len(batch))
        if chunk >= len(batch):
            return self.enhancer(batch)
        return torch.cat([self.enhancer(part) for part in batch.split(chunk)])

    @torch.no_grad()
    def enhance_inputs(self, inputs: Union[Tensor, Sequence[Tensor]],
                       data_samples: Optional[list] = None) -> Union[Tensor, List[Tensor]]:
        """Enhance loaded images; returns float 0-255 images in the input channel order.

        Args:
            inputs (Tensor | Sequence[Tensor]): uint8 images, C x H x W each.
            data_samples (list, optional): Receive ``enhanced_img`` and the non-finite count.

        Returns:
            Tensor | list[Tensor]: Same structure as ``inputs``, float on the 0-255 scale.
        """
        images = list(inputs)
        by_size: Dict[tuple, List[int]] = defaultdict(list)
        for idx, img in enumerate(images):
            if img.dim() != 3 or img.shape[0] != 3:
                raise ValueError(f'enhancers need 3-channel C x H x W images; image {idx} has '
                                 f'shape {tuple(img.shape)}')
            self._check_size(img, idx, data_samples)
            by_size[tuple(img.shape)].append(idx)
        out: List[Optional[Tensor]] = [None] * len(images)
        for indices in by_size.values():
            batch = torch.stack([images[i] for i in indices]).float() / 255
            if self.input_channel_order == 'bgr':
                batch = batch.flip(1)
            enhanced = self._run_enhancer(batch)
            # a NaN or Inf makes its image's sum non-finite: count element-wise only then
            if bool(torch.isfinite(enhanced.flatten(1).sum(1)).all()):
                nonfinite = torch.zeros(len(indices), dtype=torch.long)
                enhanced = enhanced.clamp(0, 1)
            else:
                nonfinite = (~torch.isfinite(enhanced)).flatten(1).sum(1)
                enhanced = torch.nan_to_num(enhanced, nan=0.0, posinf=1.0,
                                            neginf=0.0).clamp_(0, 1)
            if self.quantize:
                enhanced = torch.round(enhanced * 255) / 255
            for pos, i in enumerate(indices):
                if data_samples is not None:
                    data_samples[i].set_metainfo({NONFINITE_KEY: int(nonfinite[pos])})
                    if self.keep_enhanced:
                        data_samples[i].set_field(enhanced[pos], ENHANCED_FIELD)
                img = enhanced[pos] * 255
                out[i] = img.flip(0) if self.input_channel_order == 'bgr' else img
        if isinstance(inputs, Tensor):
            return torch.stack(out)
        return out
