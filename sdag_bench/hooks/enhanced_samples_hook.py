"""Write sample grids while an enhancer trains: input | enhanced | SDAG reconstruction | error."""
import os.path as osp
from typing import List, Optional

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.utils import mkdir_or_exist
from torch import Tensor

from sdag_bench.hooks.sdag_guidance_hook import unwrap_model
from sdag_bench.registry import HOOKS


def error_map(enhanced: Tensor, recon: Tensor, scale: float = 5.0) -> Tensor:
    """Per-pixel mean absolute error as a JET colour map.

    Args:
        enhanced (Tensor): RGB in [0, 1], shape (N, 3, H, W).
        recon (Tensor): Same shape.
        scale (float): Error mapped to the top of the colour map is ``1 / scale``.
            Defaults to 5.0.

    Returns:
        Tensor: RGB in [0, 1], shape (N, 3, H, W).
    """
    err = ((enhanced - recon).abs().mean(1) * scale).clamp(0, 1)
    maps = []
    for e in err.cpu().numpy():
        bgr = cv2.applyColorMap((e * 255).round().astype(np.uint8), cv2.COLORMAP_JET)
        maps.append(torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1).float() / 255)
    return torch.stack(maps)


def make_grid(columns: List[Tensor], pad: int = 2) -> np.ndarray:
    """Tile equal-shaped (N, 3, H, W) batches: one row per image, one column per batch.

    Args:
        columns (list[Tensor]): RGB batches in [0, 1].
        pad (int): White border in pixels. Defaults to 2.

    Returns:
        np.ndarray: uint8 RGB image.
    """
    n, _, h, w = columns[0].shape
    grid = np.full((n * (h + pad) + pad, len(columns) * (w + pad) + pad, 3), 255, np.uint8)
    for j, col in enumerate(columns):
        imgs = (col.detach().clamp(0, 1).cpu() * 255).round().byte().permute(0, 2, 3, 1).numpy()
        for i in range(n):
            top, left = pad + i * (h + pad), pad + j * (w + pad)
            grid[top:top + h, left:left + w] = imgs[i]
    return grid


@HOOKS.register_module()
class EnhancedSamplesHook(Hook):
    """Every ``interval`` iterations, save a grid of the current batch to the work dir.

    Columns: input | enhanced | SDAG reconstruction | error map (the last two only when an SDAG
    loss is attached, e.g. by :class:`SDAGGuidanceHook`). Files:
    ``<work_dir>/<out_dir>/iter_<N>.png``.

    Args:
        interval (int): Iterations between grids. Defaults to 100.
        max_samples (int): Images (rows) per grid. Defaults to 4.
        out_dir (str): Sub-folder of the work dir. Defaults to ``'samples'``.
        sdag_loss_name (str): Name of the SDAG loss in ``model.losses``.
            Defaults to ``'loss_sdag'``.
        error_scale (float): See :func:`error_map`. Defaults to 5.0.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 100, max_samples: int = 4, out_dir: str = 'samples',
                 sdag_loss_name: str = 'loss_sdag', error_scale: float = 5.0) -> None:
        if interval <= 0 or max_samples <= 0:
            raise ValueError('interval and max_samples must be positive')
        self.interval = interval
        self.max_samples = max_samples
        self.out_dir = out_dir
        self.sdag_loss_name = sdag_loss_name
        self.error_scale = error_scale

    @torch.no_grad()
    def render(self, model: torch.nn.Module, data_batch: dict) -> np.ndarray:
        """The grid (uint8 RGB) for one data batch."""
        inputs = model.data_preprocessor(data_batch, training=False)['inputs']
        inputs = inputs[:self.max_samples]
        enhancer = model.enhancer
        was_training = enhancer.training
        enhancer.eval()
        try:
            enhanced = enhancer(inputs).clamp(0, 1)
        finally:
            enhancer.train(was_training)
        columns = [inputs, enhanced]
        losses = getattr(model, 'losses', {})
        sdag_loss = losses[self.sdag_loss_name] if self.sdag_loss_name in losses else None
        if sdag_loss is not None and hasattr(sdag_loss, 'sdag_net'):
            recon = sdag_loss.sdag_net(enhanced).clamp(0, 1)
            columns += [recon, error_map(enhanced, recon, self.error_scale)]
        return make_grid(columns)

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Save a grid every ``interval`` iterations."""
        if data_batch is None or not self.every_n_train_iters(runner, self.interval):
            return
        grid = self.render(unwrap_model(runner.model), data_batch)
        folder = osp.join(runner.work_dir, self.out_dir)
        mkdir_or_exist(folder)
        path = osp.join(folder, f'iter_{runner.iter + 1:06d}.png')
        cv2.imwrite(path, grid[..., ::-1])
