"""Small thumbnails of each row's enhanced outputs, for the report's qualitative comparison."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from sdag_bench.utils.image_io import ImageReadError, read_image
from sdag_bench.enhancers.builder import build_enhancer_from_config
from sdag_bench.enhancers.precomputed import PrecomputedEnhancer
from .cells import CellSpec
from .dataloader import build_test_dataloader
from .html_report import thumbnail_uri


def _first_images(cell: CellSpec, num_images: int) -> Tuple[List[torch.Tensor], List[str]]:
    """The first test images of the cell's dataset (RGB float 0-1) and their file names."""
    loader, _ = build_test_dataloader(cell.dataset.config, cell.enhancer.dataset_overrides,
                                      cfg_options=cell.dataset.cfg_options)
    images, names = [], []
    for idx in range(min(num_images, len(loader.dataset))):
        item = loader.dataset[idx]
        images.append(item['inputs'].flip(0).float() / 255)  # loaded BGR uint8
        names.append(osp.basename(item['data_samples'].metainfo.get('img_path', str(idx))))
    return images, names


def row_thumbnails(cells: Sequence[CellSpec], num_images: int = 4, device: str = 'cpu',
                   max_side: int = 192) -> Tuple[Dict[str, List[Optional[str]]], List[str]]:
    """Each distinct row's output on the same first test images, as JPEG data URIs.

    Outputs are rounded to 8 bits as the detector received them; a folder row
    (``PrecomputedEnhancer``) shows its files (None where an output is missing or unreadable).

    Args:
        cells (Sequence[CellSpec]): Cells of one dataset.
        num_images (int): Images per row. Defaults to 4.
        device (str): Defaults to 'cpu'.
        max_side (int): Longest side of a thumbnail in pixels.

    Returns:
        tuple[dict, list[str]]: Row name -> data URIs, and the image names.
    """
    thumbs: Dict[str, List[Optional[str]]] = {}
    inputs: Dict[str, tuple] = {}
    names: List[str] = []
    for cell in cells:
        if cell.enhancer.name in thumbs:
            continue
        overrides = json.dumps(cell.enhancer.dataset_overrides, sort_keys=True)
        if overrides not in inputs:
            inputs[overrides] = _first_images(cell, num_images)
        images, image_names = inputs[overrides]
        names = names or image_names
        enhancer = build_enhancer_from_config(cell.enhancer.config, cell.enhancer.checkpoint,
                                              device)
        row: List[Optional[str]] = []
        for image, name in zip(images, image_names):
            if isinstance(enhancer, PrecomputedEnhancer):
                files = enhancer.index().get(osp.splitext(name)[0], [])
                try:
                    row.append(thumbnail_uri(read_image(files[0], 'rgb'), max_side)
                               if files else None)
                except ImageReadError:
                    row.append(None)
                continue
            with torch.inference_mode():
                out = enhancer(image[None].to(device))[0]
            out = torch.nan_to_num(out, nan=0.0).clamp(0, 1)
            row.append(thumbnail_uri(
                (out * 255).round().byte().permute(1, 2, 0).cpu().numpy(), max_side))
        thumbs[cell.enhancer.name] = row
    return thumbs, names


def write_benchmark_report(table, work_dir: str, benchmark: str, caption: str,
                           figures: Sequence[str], cells: Sequence[CellSpec],
                           images: bool, device: str = 'cpu') -> str:
    """Write ``<work_dir>/report.html`` for a benchmark run.

    Args:
        table (pd.DataFrame): The leaderboard (with interval columns when computed).
        work_dir (str): The result folder.
        benchmark (str): Its name (title).
        caption (str): The leaderboard's caption.
        figures (Sequence[str]): PNG files to inline.
        cells (Sequence[CellSpec]): The run's cells (rows for the comparison).
        images (bool): Include the qualitative comparison; False for photos that may not be
            redistributed (``qualitative_grid = False``): the report then holds no image of them.
        device (str): For the enhancers of the thumbnails.

    Returns:
        str: The report's path.
    """
    from .html_report import write_html_report
    thumbs, names = (row_thumbnails([c for c in cells if c.dataset == cells[0].dataset],
                                    device=device) if images and cells else (None, []))
    return write_html_report(table, osp.join(work_dir, 'report.html'),
                             f'Benchmark {benchmark}', caption, figures, thumbs, names)
