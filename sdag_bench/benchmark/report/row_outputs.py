"""Each row's outputs on the same first test images: what the qualitative grid and the report's
thumbnails show (one source, so a folder row shows its files in both)."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.enhancers.precomputed import PrecomputedEnhancer
from sdag_bench.utils.image_io import ImageReadError, read_image
from ..cells import CellSpec
from ..run.test_dataloader import build_test_dataloader


def first_test_images(cell: CellSpec, num_images: int) -> Tuple[List[torch.Tensor], List[str]]:
    """The first test images of the cell's dataset (RGB float 0-1, C x H x W) and their names.

    Args:
        cell (CellSpec): Any cell of the dataset (and of the row's dataset overrides).
        num_images (int): How many.

    Returns:
        tuple[list[torch.Tensor], list[str]]: Images and file names.
    """
    loader, _ = build_test_dataloader(cell.dataset.config, cell.enhancer.dataset_overrides,
                                      cfg_options=cell.dataset.cfg_options)
    images, names = [], []
    for idx in range(min(num_images, len(loader.dataset))):
        item = loader.dataset[idx]
        images.append(item['inputs'].flip(0).float() / 255)  # loaded BGR uint8
        names.append(osp.basename(item['data_samples'].metainfo.get('img_path', str(idx))))
    return images, names


def row_outputs(cells: Sequence[CellSpec], num_images: int = 4, device: str = 'cpu'
                ) -> Tuple[Dict[str, List[Optional[np.ndarray]]], List[str]]:
    """Each distinct row's output on the same first test images, as uint8 RGB arrays.

    A live enhancer's output is rounded to 8 bits as the detector received it; a folder row
    (``--enhanced-dir``, :class:`PrecomputedEnhancer`) shows its files, matched by stem (None
    where an output is missing or unreadable): its enhancer is the identity and would show the
    dark input.

    Args:
        cells (Sequence[CellSpec]): Cells of one dataset; rows in order of first appearance.
        num_images (int): Images per row. Defaults to 4.
        device (str): Where live enhancers run. Defaults to 'cpu'.

    Returns:
        tuple[dict, list[str]]: Row name -> outputs, and the image names.
    """
    rows: Dict[str, List[Optional[np.ndarray]]] = {}
    inputs: Dict[str, tuple] = {}
    names: List[str] = []
    for cell in cells:
        if cell.enhancer.name in rows:
            continue
        overrides = json.dumps(cell.enhancer.dataset_overrides, sort_keys=True)
        if overrides not in inputs:
            inputs[overrides] = first_test_images(cell, num_images)
        images, image_names = inputs[overrides]
        names = names or image_names
        enhancer = build_enhancer_from_config(cell.enhancer.config, cell.enhancer.checkpoint,
                                              device)
        row: List[Optional[np.ndarray]] = []
        for image, name in zip(images, image_names):
            if isinstance(enhancer, PrecomputedEnhancer):
                files = enhancer.index().get(osp.splitext(name)[0], [])
                try:
                    row.append(read_image(files[0], 'rgb') if files else None)
                except ImageReadError:
                    row.append(None)
                continue
            with torch.inference_mode():
                out = enhancer(image[None].to(device))[0]
            out = torch.nan_to_num(out, nan=0.0).clamp(0, 1)
            row.append((out * 255).round().byte().permute(1, 2, 0).cpu().numpy())
        rows[cell.enhancer.name] = row
    return rows, names
