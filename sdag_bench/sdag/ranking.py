"""Ranking accuracy of a pretrained SDAG net: is a degraded copy reconstructed worse?

SDAG's pretraining asks ``cos(net(x), x) > cos(net(d(x)), d(x))`` for every degradation factor
``d``. On images the net never saw, the fraction of images for which the degraded copy's
reconstruction error ``1 - cos`` exceeds the clean image's measures whether it learned that.
"""
from typing import Dict, Iterable, List, Optional, Sequence

import cv2
import numpy as np
import torch
from torch import Tensor

from sdag_bench.utils.image_io import read_image
from .degradations import DegradationFactor
from .pretrain_model import reconstruction_cosine


def load_eval_image(path: str, max_side: Optional[int] = 256) -> Tensor:
    """An RGB photo as a (1, 3, H, W) float tensor in [0, 1], shrunk (area) so that its longer
    side is at most ``max_side`` (None keeps the size).

    Args:
        path (str): Image file.
        max_side (int, optional): Longest side after resizing. Defaults to 256.

    Returns:
        Tensor: The image.
    """
    img = read_image(path, channel_order='rgb')
    height, width = img.shape[:2]
    if max_side and max(height, width) > max_side:
        scale = max_side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float()[None] / 255


@torch.no_grad()
def ranking_accuracy(net: torch.nn.Module, degradations: Sequence[DegradationFactor],
                     images: Iterable[Tensor], seed: int = 0,
                     tol: float = 1e-6) -> Dict[str, Dict[str, float]]:
    """Per factor: the fraction of images whose degraded copy is reconstructed worse than the
    clean image (error ``1 - cos`` over the whole image), and the mean error gap.

    Args:
        net (Callable): The SDAG net (RGB [0, 1] in and out), e.g. an ``nn.Module``.
        degradations (Sequence[DegradationFactor]): The factors (each has a ``name``).
        images (Iterable[Tensor]): Images, each (1, 3, H, W) in [0, 1] (sizes may differ).
        seed (int): Seed of the degradations' noise. Defaults to 0.
        tol (float): A degraded copy counts as worse only if its error exceeds the clean one's
            by more than this (float32 rounding makes ties, e.g. on a flat image, look
            unequal). Defaults to 1e-6.

    Returns:
        dict[str, dict[str, float]]: factor name -> ``ranked`` (fraction in [0, 1]),
        ``mean_gap`` (mean of error(d(x)) - error(x)), ``clean_error`` (mean error(x), the
        same for every factor) and ``images``.
    """
    is_module = isinstance(net, torch.nn.Module)
    was_training = is_module and net.training
    if is_module:
        net.eval()
    generator = torch.Generator().manual_seed(seed)
    wins: Dict[str, List[bool]] = {d.name: [] for d in degradations}
    gaps: Dict[str, List[float]] = {d.name: [] for d in degradations}
    cleans: List[float] = []
    for image in images:
        clean = float(1 - reconstruction_cosine(net(image), image)[0])
        cleans.append(clean)
        for factor in degradations:
            degraded = factor(image, generator)
            error = float(1 - reconstruction_cosine(net(degraded), degraded)[0])
            wins[factor.name].append(error > clean + tol)
            gaps[factor.name].append(error - clean)
    if is_module:
        net.train(was_training)
    return {name: dict(ranked=float(np.mean(wins[name])) if wins[name] else float('nan'),
                       mean_gap=float(np.mean(gaps[name])) if gaps[name] else float('nan'),
                       clean_error=float(np.mean(cleans)) if cleans else float('nan'),
                       images=len(wins[name]))
            for name in wins}
