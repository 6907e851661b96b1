"""ExDark raw annotations (bbGt text files in per-class folders) to COCO json, one file per split.

Raw layout (as distributed)::

    ExDark/<Class>/<image>            images, extensions jpg/JPG/jpeg/JPEG/png mixed
    ExDark_Annno/<Class>/<image>.txt  '% bbGt version=3', then 'Class l t w h' + 7 unused ints
    imageclasslist.txt                Name | Class(1-12) | Light | In/Out | Train/Val/Test(1/2/3)

Splits: ``official`` (imageclasslist column 5: train/val/test) and ``8020`` (seeded 80/20
train/test over all images, the MAET / IAT / PE-YOLO protocol). The rules for bad input are in
:mod:`sdag_bench.datasets.converters.report`; box rules in :func:`common.check_box`.
"""
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .common import (ImageRecord, Progress, check_box, index_images, label_text, locate_image,
                     no_progress, ratio_split, report_unannotated, write_subsets)
from .report import ConversionReport

#: ExDark classes in the dataset's own order (imageclasslist class ids 1..12, YOLO ids 0..11).
EXDARK_CLASSES = ('Bicycle', 'Boat', 'Bottle', 'Bus', 'Car', 'Cat', 'Chair', 'Cup', 'Dog',
                  'Motorbike', 'People', 'Table')

#: Other spellings met in ExDark-derived label sets (keys: lower case, no spaces/_/-).
CLASS_ALIASES = {
    'person': 'People', 'persons': 'People', 'motorcycle': 'Motorbike', 'motor': 'Motorbike',
    'bike': 'Bicycle', 'diningtable': 'Table', 'cups': 'Cup', 'bottles': 'Bottle',
    'boats': 'Boat', 'cars': 'Car', 'cats': 'Cat', 'chairs': 'Chair', 'dogs': 'Dog',
    'buses': 'Bus', 'bicycles': 'Bicycle', 'motorbikes': 'Motorbike', 'tables': 'Table',
}
_CANONICAL = {name.lower(): name for name in EXDARK_CLASSES}
_SUBSET_CODES = {'1': 'train', '2': 'val', '3': 'test'}
SPLITS = {'official': ('train', 'val', 'test'), '8020': ('train', 'test')}


def normalise_class(raw: str) -> Optional[str]:
    """Map a class name as written (any case, aliases) to its ExDark spelling.

    Args:
        raw (str): Class name from an annotation file.

    Returns:
        str | None: One of :data:`EXDARK_CLASSES`, or None for an unknown class.
    """
    key = re.sub(r'[\s_\-]', '', raw.lower())
    return _CANONICAL.get(key) or CLASS_ALIASES.get(key)


@dataclass
class ListEntry:
    """One row of ``imageclasslist.txt``."""
    name: str
    image_class: str
    light: int
    in_out: int
    subset: str

    @property
    def file_name(self) -> str:
        """Path in the raw layout: ``<Class>/<Name>``."""
        return f'{self.image_class}/{self.name}'


def read_image_class_list(path: os.PathLike, report: ConversionReport) -> Dict[str, ListEntry]:
    """Read ``imageclasslist.txt``; malformed rows are reported and skipped.

    Args:
        path (PathLike): The list file (header line, then ``Name Class Light In/Out Split``).
        report (ConversionReport): Where findings go.

    Returns:
        dict[str, ListEntry]: Lower-cased image stem -> row.
    """
    entries: Dict[str, ListEntry] = {}
    file = Path(path).name
    for line_no, line in enumerate(label_text(path).splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].lower() == 'name':
            continue
        try:
            name, cls, light, in_out, subset = fields
            entry = ListEntry(name, EXDARK_CLASSES[int(cls) - 1], int(light), int(in_out),
                              _SUBSET_CODES[subset])
            if int(cls) < 1:
                raise IndexError
        except (ValueError, IndexError, KeyError):
            report.add('malformed_line', file, line_no,
                       f'expected "Name Class(1-12) Light In/Out Split(1-3)", got '
                       f'"{line.strip()}"', 'row ignored')
            continue
        entries[Path(name).stem.lower()] = entry
    return entries


def parse_bbgt(text: str, file: str,
               report: ConversionReport) -> List[Tuple[int, float, float, float, float, int]]:
    """Parse one bbGt file: ``Class l t w h`` (+ unused fields) per line, ``%`` comments.

    Args:
        text (str): File content.
        file (str): Its name, for the report.
        report (ConversionReport): Where aliases, unknown classes and malformed lines go.

    Returns:
        list[tuple]: ``(class index, x1, y1, x2, y2, line number)`` per box, unchecked.
    """
    boxes = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith('%'):
            continue
        fields = stripped.split()
        try:
            left, top, width, height = (float(v) for v in fields[1:5])
            if len(fields) < 5:
                raise ValueError
        except ValueError:
            report.add('malformed_line', file, line_no,
                       f'expected "Class l t w h ...", got "{stripped}"', 'line dropped')
            continue
        name = normalise_class(fields[0])
        if name is None:
            report.add('unknown_class', file, line_no, f'class "{fields[0]}" is not an ExDark '
                       'class', 'box dropped')
            continue
        if name != fields[0]:
            report.add_alias(fields[0], name, file, line_no)
        boxes.append((EXDARK_CLASSES.index(name), left, top, left + width, top + height,
                      line_no))
    return boxes


def make_record(file_name: str, size: Tuple[int, int], boxes: Sequence[tuple], ann_file: str,
                report: ConversionReport, extra: Optional[dict] = None) -> ImageRecord:
    """Check boxes against the image size and build the record (``no_boxes`` if none stay)."""
    width, height = size
    kept = []
    for label, x1, y1, x2, y2, line_no in boxes:
        box = check_box((x1, y1, x2, y2), width, height, report, ann_file, line_no)
        if box is not None:
            kept.append((label, *box))
    if not kept:
        report.add('no_boxes', ann_file, None, 'no valid box for this image',
                   'image kept without boxes')
    return ImageRecord(file_name, width, height, kept, extra or {})


def list_extra(entry: Optional[ListEntry]) -> dict:
    """Image fields taken from imageclasslist (for per-light / indoor-outdoor analysis)."""
    if entry is None:
        return {}
    return dict(image_class=entry.image_class, light=entry.light, in_out=entry.in_out)


def assign_split(records: Sequence[ImageRecord], split: str, seed: int,
                 list_entries: Optional[Dict[str, ListEntry]],
                 folder_subsets: Optional[Dict[str, str]],
                 report: ConversionReport) -> Dict[str, str]:
    """Decide the subset of every record.

    ``official`` takes imageclasslist column 5 when a list is given (a YOLO folder that
    disagrees is reported as ``split_mismatch``), else the YOLO folder; images the list does not
    name are dropped (``not_in_split_list``). ``8020`` is :func:`common.ratio_split` with
    ``{'train': 0.8, 'test': 0.2}``.

    Returns:
        dict[str, str]: ``file_name`` -> subset.
    """
    if split == '8020':
        by_stem = ratio_split((r.stem for r in records), {'train': 0.8, 'test': 0.2}, seed)
        return {r.file_name: by_stem[r.stem] for r in records}
    if split != 'official':
        raise ValueError(f'unknown split "{split}", expected one of {sorted(SPLITS)}')
    if list_entries is None and folder_subsets is None:
        raise ValueError('the official split needs imageclasslist.txt (or YOLO split folders)')
    assignment = {}
    for record in records:
        key = record.stem.lower()
        folder = (folder_subsets or {}).get(key)
        if list_entries is not None:
            entry = list_entries.get(key)
            if entry is None:
                report.add('not_in_split_list', record.file_name, None,
                           'image not named by imageclasslist', 'image dropped')
                continue
            if folder is not None and folder != entry.subset:
                report.add('split_mismatch', record.file_name, None,
                           f'label folder says {folder}, imageclasslist says {entry.subset}',
                           f'{entry.subset} used')
            assignment[record.file_name] = entry.subset
        else:
            assignment[record.file_name] = folder
    return assignment


def finish(records: List[ImageRecord], report: ConversionReport, out_dir: os.PathLike, split: str,
           seed: int, list_entries: Optional[Dict[str, ListEntry]],
           folder_subsets: Optional[Dict[str, str]], strict: bool, source: str) -> Dict[str, Path]:
    """Assign splits, apply ``strict``, write ``exdark_<split>[_seed<N>]_<subset>.json``."""
    assignment = assign_split(records, split, seed, list_entries, folder_subsets, report)
    report.raise_if_strict(strict)
    used_seed = seed if split == '8020' else None
    prefix = f'exdark_{split}' + (f'_seed{seed}' if used_seed is not None else '')
    info = dict(dataset='ExDark', split=split, seed=used_seed, source=source, strict=strict,
                classes=list(EXDARK_CLASSES))
    return write_subsets(records, assignment, SPLITS[split], out_dir, prefix, EXDARK_CLASSES,
                         info, report)


def convert_exdark(annotations: os.PathLike, images: os.PathLike, out_dir: os.PathLike,
                   split: str = 'official', seed: int = 0,
                   image_list: Optional[os.PathLike] = None,
                   strict: bool = False,
                   progress: Progress = no_progress) -> Tuple[Dict[str, Path], ConversionReport]:
    """Convert the raw ExDark tree (bbGt files) to COCO json files.

    Args:
        annotations (PathLike): Root of the bbGt files (``<Class>/<image>.txt``, any depth).
        images (PathLike): Root of the images (any depth); ``file_name`` is relative to it.
        out_dir (PathLike): Output folder.
        split (str): ``'official'`` or ``'8020'``. Defaults to ``'official'``.
        seed (int): Seed of the ``8020`` split. Defaults to 0.
        image_list (PathLike, optional): ``imageclasslist.txt`` (needed by ``official``).
        strict (bool): Refuse any defect instead of fixing it. Defaults to False.
        progress (Progress): Progress display, e.g. ``tqdm``. Defaults to none.

    Returns:
        tuple[dict[str, Path], ConversionReport]: Written files and the report.
    """
    report = ConversionReport()
    index = index_images(images, report)
    list_entries = read_image_class_list(image_list, report) if image_list else None
    records, annotated = [], set()
    ann_paths = sorted(Path(annotations).rglob('*.txt'))
    for ann_path in progress(ann_paths, total=len(ann_paths), desc='bbGt files'):
        ann_file = ann_path.relative_to(annotations).as_posix()
        image_name = ann_path.name[:-len('.txt')]
        stem = Path(image_name).stem.lower()
        annotated.add(stem)
        boxes = parse_bbgt(label_text(ann_path), ann_file, report)
        located = locate_image(index, stem, images, ann_file, report)
        if located is None:
            continue
        file_name, size = located
        if Path(file_name).name != image_name:
            report.add('extension_mismatch', ann_file, None,
                       f'annotation names "{image_name}", found "{file_name}"', 'matched by stem')
        extra = list_extra((list_entries or {}).get(stem))
        records.append(make_record(file_name, size, boxes, ann_file, report, extra))
    report_unannotated(index, annotated, report)
    paths = finish(records, report, out_dir, split, seed, list_entries, None, strict, 'bbgt')
    return paths, report
