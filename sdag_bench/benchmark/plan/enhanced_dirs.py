"""``tools/benchmark.py --enhanced-dir NAME=PATH``: folders of enhanced images as rows."""
import os
import os.path as osp
import re
from typing import List, Sequence, Tuple

from ..cells import CellSpec, EnhancerSpec

_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]*')


def parse_enhanced_dirs(items: Sequence[str]) -> List[Tuple[str, str]]:
    """``NAME=PATH`` items as (name, absolute folder).

    Args:
        items (Sequence[str]): The ``--enhanced-dir`` values.

    Returns:
        list[tuple[str, str]]: Names and folders, in order.

    Raises:
        ValueError: A malformed item, a repeated name or a folder that does not exist.
    """
    pairs: List[Tuple[str, str]] = []
    for item in items:
        name, sep, path = item.partition('=')
        if not sep or not _NAME.fullmatch(name) or not path:
            raise ValueError(f'--enhanced-dir {item}: expected NAME=PATH, NAME of letters, '
                             'digits, _ . -')
        if not osp.isdir(path):
            raise ValueError(f'--enhanced-dir {item}: folder {path} not found')
        if name in [n for n, _ in pairs]:
            raise ValueError(f'--enhanced-dir: row name {name} given twice')
        pairs.append((name, osp.abspath(path)))
    return pairs


def write_enhancer_config(name: str, folder: str, config_dir: str) -> str:
    """Write the ``PrecomputedEnhancer`` config of one folder (what the cell records).

    Args:
        name (str): Row name.
        folder (str): Absolute folder of enhanced images.
        config_dir (str): Where generated configs go (``<work-dir>/enhanced_dirs``).

    Returns:
        str: The config file.
    """
    os.makedirs(config_dir, exist_ok=True)
    path = osp.join(config_dir, f'{name}.py')
    text = (f'# Written by tools/benchmark.py --enhanced-dir {name}=...: a folder of enhanced '
            'images.\n'
            f'enhancer = dict(type=\'PrecomputedEnhancer\', folder={folder!r})\n'
            'checkpoint = None\n'
            f'label = {"precomputed: " + osp.basename(folder.rstrip(os.sep))!r}\n')
    old = None
    if osp.isfile(path):
        with open(path) as f:
            old = f.read()
    if old != text:  # unchanged configs keep their file (and cached parse)
        with open(path, 'w') as f:
            f.write(text)
    return path


def add_enhanced_dir_cells(cells: List[CellSpec], pairs: Sequence[Tuple[str, str]],
                           config_dir: str) -> List[CellSpec]:
    """One cell per folder and (dataset, detector) of the planned cells, after them.

    Args:
        cells (list[CellSpec]): Planned cells (give the datasets and detectors).
        pairs (Sequence[tuple[str, str]]): From :func:`parse_enhanced_dirs`.
        config_dir (str): Where generated configs go.

    Returns:
        list[CellSpec]: ``cells`` followed by the folders' cells.

    Raises:
        ValueError: A folder's name is already a row of the benchmark.
    """
    taken = {c.enhancer.name for c in cells}
    targets = []
    for cell in cells:
        if (cell.dataset, cell.detector) not in targets:
            targets.append((cell.dataset, cell.detector))
    out = list(cells)
    for name, folder in pairs:
        if name in taken:
            raise ValueError(f'--enhanced-dir {name}=...: {name} is already a row of this '
                             'benchmark; choose another name')
        config = write_enhancer_config(name, folder, config_dir)
        from .planner import load_enhancer_spec
        spec = load_enhancer_spec(EnhancerSpec(name=name, config=config))
        out += [CellSpec(spec, dataset, detector) for dataset, detector in targets]
    return out
