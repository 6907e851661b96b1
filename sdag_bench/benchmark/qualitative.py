"""The same test images through every enhancer, for the qualitative grid."""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
import torch

from sdag_bench.enhancers.builder import build_enhancer_from_config
from .cells import CellSpec
from .dataloader import build_test_dataloader
from .plots import save_qualitative_grid


def _first_images(cell: CellSpec, num_images: int) -> torch.Tensor:
    """The first ``num_images`` test images of the cell's dataset as RGB float [0, 1]."""
    loader, _ = build_test_dataloader(cell.dataset.config, cell.enhancer.dataset_overrides,
                                      cfg_options=cell.dataset.cfg_options)
    dataset = loader.dataset
    images = []
    for idx in range(min(num_images, len(dataset))):
        bgr = dataset[idx]['inputs']  # uint8 C x H x W, BGR as loaded
        images.append(bgr.flip(0).float() / 255)
    return images


def _grid_signature(cells: Sequence[CellSpec], num_images: int) -> str:
    """What the grid depends on: each row's name and cell key, in order, and the image count."""
    rows = [(c.enhancer.name, c.key()) for c in cells]
    return hashlib.sha1(json.dumps([rows, num_images]).encode()).hexdigest()


def render_qualitative_grid(cells: Sequence[CellSpec], path: str, num_images: int = 4,
                            device: str = 'cpu', reuse: bool = True) -> str:
    """Run every distinct enhancer of ``cells`` on the same few images and save a grid.

    A grid is reused when it was rendered from the same rows (names, configs and checkpoint
    contents, via the cells' keys): ``<path>.key`` records what it shows.

    Args:
        cells (Sequence[CellSpec]): Cells of one dataset (the detector is irrelevant here).
        path (str): Output PNG.
        num_images (int): Images per row. Defaults to 4.
        device (str): Defaults to 'cpu'.
        reuse (bool): Keep an up-to-date grid instead of rendering it again. Defaults to True.

    Returns:
        str: The written (or reused) path.
    """
    unique: Dict[tuple, CellSpec] = {}
    for cell in cells:
        ident = (cell.enhancer.name, json.dumps(cell.enhancer.dataset_overrides, sort_keys=True))
        unique.setdefault(ident, cell)
    signature = _grid_signature(list(unique.values()), num_images)
    key_path = f'{path}.key'
    if reuse and osp.isfile(path) and osp.isfile(key_path):
        with open(key_path) as f:
            if f.read().strip() == signature:
                return path
    rows: List[List[np.ndarray]] = []
    names: List[str] = []
    inputs: Dict[str, list] = {}  # the images, loaded once per dataset variant
    for (_, overrides), cell in unique.items():
        if overrides not in inputs:
            inputs[overrides] = _first_images(cell, num_images)
        enhancer = build_enhancer_from_config(cell.enhancer.config, cell.enhancer.checkpoint,
                                              device)
        outputs = []
        with torch.inference_mode():
            for image in inputs[overrides]:
                out = enhancer(image[None].to(device))[0].clamp(0, 1)
                outputs.append(out.permute(1, 2, 0).cpu().numpy())
        rows.append(outputs)
        names.append(cell.enhancer.name)
    save_qualitative_grid(rows, names, path)
    tmp = f'{key_path}.tmp'
    with open(tmp, 'w') as f:
        f.write(signature + '\n')
    os.replace(tmp, key_path)
    return path
