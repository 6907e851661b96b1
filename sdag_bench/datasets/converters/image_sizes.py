"""Where a converter finds image sizes when the images themselves are not at hand.

Label sets in normalised form (YOLO) need each image's width and height to give pixel boxes. In
order of preference a converter asks:

1. the image itself, if an images root is given (header only, EXIF orientation applied);
2. a size table given by the user: json ``{"<name>": [width, height], ...}`` or csv with columns
   ``name,width,height`` (``name`` with or without extension; matched by stem, case-insensitive);
3. an Ultralytics label cache (``labels/<subset>.cache``) shipped beside the labels, which stores
   every image's ``(height, width)``. It is a numpy-pickled dict; it is read with the project's
   numpy-only unpickler (``sdag_bench.utils.safe_load``), so no code from the file can run;
4. otherwise the image is reported (``no_size``) and dropped.
"""
import csv
import json
import os
from pathlib import Path
from typing import Dict, Optional, Tuple

from sdag_bench.utils.safe_load import unpickle_numpy

#: (file name as recorded, width, height)
SizeEntry = Tuple[str, int, int]


def read_ultralytics_cache(data: bytes, source: str = '<cache>') -> Dict[str, SizeEntry]:
    """Read image sizes from an Ultralytics ``.cache`` file (a ``.npy`` holding a dict).

    Args:
        data (bytes): File content.
        source (str): Name for error messages. Defaults to ``'<cache>'``.

    Returns:
        dict[str, SizeEntry]: Lower-cased stem -> (base name, width, height).

    Raises:
        ValueError: When the file is not an ``.npy`` of the expected form.
    """
    if not data.startswith(b'\x93NUMPY'):
        raise ValueError(f'{source}: not a numpy .npy file')
    header_end = data.index(b'\n') + 1
    obj = unpickle_numpy(data[header_end:], f'{source} (label cache)')
    content = obj.item() if hasattr(obj, 'item') else obj
    if not isinstance(content, dict) or not isinstance(content.get('labels'), list):
        raise ValueError(f'{source}: no "labels" list in the label cache')
    sizes: Dict[str, SizeEntry] = {}
    for entry in content['labels']:
        name = Path(str(entry['im_file']).replace('\\', '/')).name
        height, width = (int(v) for v in entry['shape'])
        sizes[Path(name).stem.lower()] = (name, width, height)
    return sizes


def load_size_table(path: os.PathLike) -> Dict[str, SizeEntry]:
    """Read a user size table (json or csv, see the module docstring).

    Args:
        path (PathLike): ``.json`` or ``.csv`` file.

    Returns:
        dict[str, SizeEntry]: Lower-cased stem -> (name, width, height).

    Raises:
        ValueError: Naming the file and line of an entry that does not parse.
    """
    path = Path(path)
    sizes: Dict[str, SizeEntry] = {}
    if path.suffix.lower() == '.json':
        with open(path, encoding='utf-8-sig') as f:  # a byte-order mark is dropped
            table = json.load(f)
        for name, value in table.items():
            try:
                width, height = (int(v) for v in value)
            except (TypeError, ValueError):
                raise ValueError(f'{path}: entry "{name}" is not [width, height]') from None
            sizes[Path(name).stem.lower()] = (name, width, height)
        return sizes
    with open(path, newline='', encoding='utf-8-sig') as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            try:
                name, width, height = row['name'], int(row['width']), int(row['height'])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f'{path}:{line_no}: expected name,width,height') from None
            sizes[Path(name).stem.lower()] = (name, width, height)
    return sizes


def lookup(sizes: Dict[str, SizeEntry], stem: str) -> Optional[SizeEntry]:
    """Find a stem in a size table (case-insensitive)."""
    return sizes.get(stem.lower())
