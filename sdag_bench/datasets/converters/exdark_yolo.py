"""ExDark in YOLO form (``labels/{train,val,test}/<stem>.txt``, ``cls cx cy w h`` normalised).

The label tree may be a folder or a zip file (read in place). Class ids are 0-based in
:data:`EXDARK_CLASSES` order. Pixel boxes need image sizes; they come from the images when an
images root is given, else from a size table or the label cache (see :mod:`.image_sizes`).
``file_name`` is the image's path under the images root when given, else ``<Class>/<Name>`` from
imageclasslist (the raw ExDark layout), else the name recorded in the size source.
"""
import os
import re
import zipfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from .common import Progress, index_images, label_text, locate_image, no_progress
from .exdark import (EXDARK_CLASSES, finish, list_extra, make_record,
                     read_image_class_list)
from .image_sizes import SizeEntry, load_size_table, read_ultralytics_cache
from .report import ConversionReport

_LABEL_RE = re.compile(r'(?:^|/)labels/(train|val|test)/([^/]+)\.txt$')
_CACHE_RE = re.compile(r'(?:^|/)labels/(train|val|test)\.cache$')


def iter_label_tree(source: os.PathLike) -> Iterator[Tuple[str, str, bytes]]:
    """Yield ``(member path, kind, content)`` for label files and caches of a folder or zip.

    ``kind`` is ``'label'`` or ``'cache'``. Paths use ``/`` and are relative to the folder's
    parent for a folder (so they contain ``labels/...``) or as stored in the zip.

    Args:
        source (PathLike): A zip file, a folder containing ``labels/``, or ``labels/`` itself.
    """
    source = Path(source)
    if source.is_file():
        with zipfile.ZipFile(source) as archive:
            for name in sorted(archive.namelist()):
                kind = _kind(name)
                if kind:
                    yield name, kind, archive.read(name)
        return
    base = source.parent if source.name == 'labels' else source
    for path in sorted(base.rglob('*')):
        name = path.relative_to(base).as_posix()
        kind = _kind(name) if path.is_file() else None
        if kind:
            yield name, kind, path.read_bytes()


def _kind(name: str) -> Optional[str]:
    if _LABEL_RE.search(name):
        return 'label'
    if _CACHE_RE.search(name):
        return 'cache'
    return None


def parse_yolo(text: str, file: str,
               report: ConversionReport) -> List[Tuple[int, float, float, float, float, int]]:
    """Parse ``cls cx cy w h`` lines (normalised); returns ``(label, cx, cy, w, h, line)``."""
    boxes = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) != 5:
                raise ValueError
            label_f = float(fields[0])
            cx, cy, w, h = (float(v) for v in fields[1:])
        except ValueError:
            report.add('malformed_line', file, line_no,
                       f'expected "cls cx cy w h", got "{line.strip()}"', 'line dropped')
            continue
        if not label_f.is_integer() or not 0 <= label_f < len(EXDARK_CLASSES):
            report.add('unknown_class', file, line_no,
                       f'class id {fields[0]} is not in 0..{len(EXDARK_CLASSES) - 1}',
                       'box dropped')
            continue
        boxes.append((int(label_f), cx, cy, w, h, line_no))
    return boxes


def convert_exdark_yolo(labels: os.PathLike, out_dir: os.PathLike, split: str = 'official',
                        seed: int = 0, image_list: Optional[os.PathLike] = None,
                        images: Optional[os.PathLike] = None,
                        sizes: Optional[os.PathLike] = None, use_cache: bool = True,
                        strict: bool = False,
                        progress: Progress = no_progress
                        ) -> Tuple[Dict[str, Path], ConversionReport]:
    """Convert a YOLO-form ExDark label tree to COCO json files.

    Args:
        labels (PathLike): Zip file or folder holding ``labels/{train,val,test}/*.txt``.
        out_dir (PathLike): Output folder.
        split (str): ``'official'`` (imageclasslist, else the label folders) or ``'8020'``.
            Defaults to ``'official'``.
        seed (int): Seed of the ``8020`` split. Defaults to 0.
        image_list (PathLike, optional): ``imageclasslist.txt``. Defaults to None.
        images (PathLike, optional): Images root; when given, an image absent from it is
            ``no_image`` and dropped. Defaults to None.
        sizes (PathLike, optional): Size table (json/csv). Defaults to None.
        use_cache (bool): Take sizes from ``labels/<subset>.cache`` when present. Defaults to
            True.
        strict (bool): Refuse any defect instead of fixing it. Defaults to False.
        progress (Progress): Progress display, e.g. ``tqdm``. Defaults to none.

    Returns:
        tuple[dict[str, Path], ConversionReport]: Written files and the report.
    """
    report = ConversionReport()
    list_entries = read_image_class_list(image_list, report) if image_list else None
    index = index_images(images, report) if images is not None else None
    table: Dict[str, SizeEntry] = load_size_table(sizes) if sizes else {}
    cached: Dict[str, SizeEntry] = {}
    labels_found: List[Tuple[str, str, bytes]] = []
    for name, kind, data in iter_label_tree(labels):
        if kind == 'cache':
            if use_cache:
                cached.update(read_ultralytics_cache(data, name))
        else:
            labels_found.append((name, _LABEL_RE.search(name).group(1), data))
    records, folder_subsets = [], {}
    for member, subset, data in progress(labels_found, total=len(labels_found),
                                         desc='label files'):
        stem = Path(member).stem
        key = stem.lower()
        if key in folder_subsets:
            report.add('duplicate_image', member, None,
                       f'also labelled in {folder_subsets[key]}', 'first kept')
            continue
        folder_subsets[key] = subset
        boxes = parse_yolo(label_text(data), member, report)
        entry = (list_entries or {}).get(key)
        resolved = _resolve(stem, member, images, index, entry, table, cached, report)
        if resolved is None:
            continue
        file_name, (width, height) = resolved
        # Rounded to 0.01 px (the json's precision) so that 6-decimal normalised labels do not
        # report float noise such as 374.9998 vs 375 as boxes leaving the image.
        pixel = [(label, round((cx - w / 2) * width, 2), round((cy - h / 2) * height, 2),
                  round((cx + w / 2) * width, 2), round((cy + h / 2) * height, 2), line_no)
                 for label, cx, cy, w, h, line_no in boxes]
        records.append(make_record(file_name, (width, height), pixel, member, report,
                                   list_extra(entry)))
    paths = finish(records, report, out_dir, split, seed, list_entries, folder_subsets, strict,
                   'yolo')
    return paths, report


def _resolve(stem: str, member: str, images: Optional[os.PathLike],
             index: Optional[Dict[str, str]], entry, table: Dict[str, SizeEntry],
             cached: Dict[str, SizeEntry],
             report: ConversionReport) -> Optional[Tuple[str, Tuple[int, int]]]:
    """Find ``file_name`` and ``(width, height)`` for one labelled image (None: dropped)."""
    key = stem.lower()
    if index is not None:
        return locate_image(index, stem, images, member, report)
    known = table.get(key) or cached.get(key)
    if known is None:
        report.add('no_size', member, None, 'image size unknown (no images root, size '
                   'table or label cache entry)', 'image dropped')
        return None
    name, width, height = known
    file_name = entry.file_name if entry is not None else name
    if Path(file_name).suffix == '':
        report.add('no_image', member, None, f'no file name with extension for "{stem}"',
                   'image dropped')
        return None
    return file_name, (width, height)
