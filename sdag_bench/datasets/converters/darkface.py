"""DARK FACE (``image/N.png`` + ``label/N.txt``) to COCO json, one file per split.

A label file holds the number of faces on its first line, then one ``x1 y1 x2 y2`` line (pixels,
corners) per face. A count that differs from the boxes listed is reported (``count_mismatch``) and
the listed boxes are kept. Splits come from list files (one image name or stem per line, e.g.
``--list train=train.txt --list val=val.txt``) or a seeded ratio (``train``/``test``). Other rules
as in :mod:`.report`.
"""
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .common import (ImageRecord, Progress, check_box, index_images, label_text, locate_image,
                     no_progress, ratio_split, report_unannotated, write_subsets)
from .report import ConversionReport

DARKFACE_CLASSES = ('face', )


def parse_darkface_label(text: str, file: str,
                         report: ConversionReport) -> List[Tuple[float, float, float, float, int]]:
    """Parse a DARK FACE label file; returns ``(x1, y1, x2, y2, line)`` per box, unchecked."""
    lines = [(n, line.split()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, fields) for n, fields in lines if fields]
    if not lines:
        return []
    count: Optional[int] = None
    first_no, first = lines[0]
    if len(first) == 1 and first[0].isdigit():
        count = int(first[0])
        lines = lines[1:]
    else:
        report.add('malformed_line', file, first_no,
                   f'expected the face count, got "{" ".join(first)}"', 'count not checked')
    boxes = []
    for line_no, fields in lines:
        try:
            if len(fields) != 4:
                raise ValueError
            x1, y1, x2, y2 = (float(v) for v in fields)
        except ValueError:
            report.add('malformed_line', file, line_no,
                       f'expected "x1 y1 x2 y2", got "{" ".join(fields)}"', 'line dropped')
            continue
        boxes.append((x1, y1, x2, y2, line_no))
    if count is not None and count != len(lines):
        report.add('count_mismatch', file, first_no,
                   f'count line says {count}, file lists {len(lines)} box line(s)',
                   f'{len(boxes)} listed box(es) used')
    return boxes


def read_split_lists(lists: Dict[str, os.PathLike]) -> Dict[str, str]:
    """Read split list files: subset -> file with one image name or stem per line.

    Returns:
        dict[str, str]: Lower-cased stem -> subset (a stem in two lists raises ``ValueError``).
    """
    assignment: Dict[str, str] = {}
    for subset, path in lists.items():
        for line_no, line in enumerate(label_text(path).splitlines(), start=1):
            name = line.strip()
            if not name:
                continue
            stem = Path(name).stem.lower()
            if stem in assignment and assignment[stem] != subset:
                raise ValueError(f'{path}:{line_no}: "{name}" is already in the '
                                 f'{assignment[stem]} list')
            assignment[stem] = subset
    return assignment


def convert_darkface(root: os.PathLike, out_dir: os.PathLike,
                     lists: Optional[Dict[str, os.PathLike]] = None, train_ratio: float = 0.8,
                     seed: int = 0,
                     strict: bool = False,
                     progress: Progress = no_progress) -> Tuple[Dict[str, Path], ConversionReport]:
    """Convert DARK FACE to COCO json files ``darkface_<split>_<subset>.json``.

    Args:
        root (PathLike): Folder with ``image/`` and ``label/``; ``file_name`` is relative to
            ``root/image``.
        out_dir (PathLike): Output folder.
        lists (dict[str, PathLike], optional): Subset -> list file. Without it, a seeded
            ``train_ratio`` split into train/test. Defaults to None.
        train_ratio (float): Fraction for train in the ratio split. Defaults to 0.8.
        seed (int): Seed of the ratio split. Defaults to 0.
        strict (bool): Refuse any defect instead of fixing it. Defaults to False.
        progress (Progress): Progress display, e.g. ``tqdm``. Defaults to none.

    Returns:
        tuple[dict[str, Path], ConversionReport]: Written files and the report.
    """
    root = Path(root)
    report = ConversionReport()
    index = index_images(root / 'image', report)
    records: List[ImageRecord] = []
    labelled = set()
    label_paths = sorted((root / 'label').glob('*.txt'))
    for label_path in progress(label_paths, total=len(label_paths), desc='label files'):
        ann_file = label_path.relative_to(root).as_posix()
        key = label_path.stem.lower()
        labelled.add(key)
        boxes = parse_darkface_label(label_text(label_path), ann_file, report)
        located = locate_image(index, key, root / 'image', ann_file, report, prefix='image/')
        if located is None:
            continue
        file_name, (width, height) = located
        kept = []
        for x1, y1, x2, y2, line_no in boxes:
            box = check_box((x1, y1, x2, y2), width, height, report, ann_file, line_no)
            if box is not None:
                kept.append((0, *box))
        if not kept:
            report.add('no_boxes', ann_file, None, 'no valid face box', 'image kept without boxes')
        records.append(ImageRecord(file_name, width, height, kept))
    report_unannotated(index, labelled, report, prefix='image/')
    if lists:
        split, used_seed, subsets = 'list', None, tuple(lists)
        by_stem = read_split_lists(lists)
        assignment = {}
        for record in records:
            subset = by_stem.get(record.stem.lower())
            if subset is None:
                report.add('not_in_split_list', f'image/{record.file_name}', None,
                           'image in none of the split lists', 'image dropped')
            else:
                assignment[record.file_name] = subset
    else:
        split, used_seed, subsets = f'ratio{round(train_ratio * 100)}', seed, ('train', 'test')
        by_stem = ratio_split((r.stem for r in records),
                              {'train': train_ratio, 'test': 1 - train_ratio}, seed)
        assignment = {r.file_name: by_stem[r.stem] for r in records}
    report.raise_if_strict(strict)
    prefix = f'darkface_{split}' + (f'_seed{seed}' if used_seed is not None else '')
    info = dict(dataset='DARK FACE', split=split, seed=used_seed, source='darkface_txt',
                strict=strict, classes=list(DARKFACE_CLASSES))
    paths = write_subsets(records, assignment, subsets, out_dir, prefix, DARKFACE_CLASSES, info,
                          report)
    return paths, report
