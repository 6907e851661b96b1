"""The same test images through every enhancer, for the qualitative grid."""
import json
from typing import List, Sequence

import numpy as np
import torch

from sdag_bench.enhancers.builder import build_enhancer_from_config
from .cells import CellSpec
from .evaluate import build_test_dataloader
from .plots import save_qualitative_grid


def _first_images(cell: CellSpec, num_images: int) -> torch.Tensor:
    """The first ``num_images`` test images of the cell's dataset as RGB float [0, 1]."""
    loader, _ = build_test_dataloader(cell.dataset.config, cell.enhancer.dataset_overrides)
    dataset = loader.dataset
    images = []
    for idx in range(min(num_images, len(dataset))):
        bgr = dataset[idx]['inputs']  # uint8 C x H x W, BGR as loaded
        images.append(bgr.flip(0).float() / 255)
    return images


def render_qualitative_grid(cells: Sequence[CellSpec], path: str, num_images: int = 4,
                            device: str = 'cpu') -> str:
    """Run every distinct enhancer of ``cells`` on the same few images and save a grid.

    Args:
        cells (Sequence[CellSpec]): Cells of one dataset (the detector is irrelevant here).
        path (str): Output PNG.
        num_images (int): Images per row. Defaults to 4.
        device (str): Defaults to 'cpu'.

    Returns:
        str: The written path.
    """
    rows: List[List[np.ndarray]] = []
    names: List[str] = []
    seen = set()
    for cell in cells:
        ident = (cell.enhancer.name, json.dumps(cell.enhancer.dataset_overrides, sort_keys=True))
        if ident in seen:
            continue
        seen.add(ident)
        enhancer = build_enhancer_from_config(cell.enhancer.config, cell.enhancer.checkpoint,
                                              device)
        outputs = []
        with torch.inference_mode():
            for image in _first_images(cell, num_images):
                out = enhancer(image[None].to(device))[0].clamp(0, 1)
                outputs.append(out.permute(1, 2, 0).cpu().numpy())
        rows.append(outputs)
        names.append(cell.enhancer.name)
    return save_qualitative_grid(rows, names, path)
