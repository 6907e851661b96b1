"""The qualitative grid: the same test images through every row of a run."""
import hashlib
import json
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from sdag_bench.utils.atomic_files import write_atomic
from ..cells import CellSpec
from .plots import save_qualitative_grid
from .row_outputs import row_outputs


def _grid_signature(cells: Sequence[CellSpec], num_images: int) -> str:
    """What the grid depends on: each row's name and cell key, in order, and the image count."""
    rows = [(c.enhancer.name, c.key()) for c in cells]
    return hashlib.sha1(json.dumps([rows, num_images]).encode()).hexdigest()


def render_qualitative_grid(cells: Sequence[CellSpec], path: str, num_images: int = 4,
                            device: str = 'cpu', reuse: bool = True) -> str:
    """Every distinct row of ``cells`` on the same few images, as a grid (outputs of
    :func:`.row_outputs.row_outputs`: a folder row shows its files).

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
    outputs, _ = row_outputs(list(unique.values()), num_images, device)
    rows: List[List[np.ndarray]] = []
    for row in outputs.values():
        size = next((image.shape for image in row if image is not None), (8, 8, 3))
        # a folder row's missing or unreadable output is shown black
        rows.append([np.zeros(size) if image is None else image / 255.0 for image in row])
    save_qualitative_grid(rows, list(outputs), path)
    write_atomic(key_path, lambda f: f.write(signature + '\n'))
    return path
