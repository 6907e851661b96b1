"""Pieces every converter shares: box checking, image indexing, splits and COCO json writing."""
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from sdag_bench.utils.atomic_files import write_atomic
from sdag_bench.utils.image_io import IMAGE_EXTENSIONS, ImageReadError, read_image_size
from .report import ConversionReport


#: A progress wrapper: takes an iterable (and ``total=``/``desc=``), yields the same items.
Progress = Callable[..., Iterable]


def label_text(source: 'os.PathLike | bytes') -> str:
    """The text of a label file (bbGt, YOLO, DARK FACE, lists, size tables): UTF-8, a leading
    byte-order mark dropped (Windows editors write one; it would glue itself to the first
    field), undecodable bytes replaced (the line is then reported, not the file refused).

    Args:
        source (PathLike | bytes): The file, or its content.

    Returns:
        str: The text.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return data.decode('utf-8-sig', errors='replace')


def no_progress(iterable: Iterable, **kwargs) -> Iterable:
    """The default :data:`Progress`: no display."""
    return iterable


@dataclass
class ImageRecord:
    """One image of a converted dataset.

    Attributes:
        file_name (str): Path relative to the images root, with ``/`` separators.
        width (int): Width in pixels.
        height (int): Height in pixels.
        boxes (list[tuple[int, float, float, float, float]]): ``(class index, x1, y1, x2, y2)``.
        extra (dict): Further fields written into the COCO image entry (e.g. ``light``).
    """
    file_name: str
    width: int
    height: int
    boxes: List[Tuple[int, float, float, float, float]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def stem(self) -> str:
        """File name without folder and extension."""
        return Path(self.file_name).stem


def check_box(box: Sequence[float], width: int, height: int, report: ConversionReport,
              file: str, line: Optional[int]) -> Optional[Tuple[float, float, float, float]]:
    """Apply the box rules: drop zero-area boxes, clip boxes that leave the image.

    A box with width or height <= 0 is dropped (``zero_area``). A box partly outside
    ``[0, width] x [0, height]`` is clipped (``out_of_image``); if less than 1 px remains in
    either direction it is dropped (mmdet would ignore it anyway).

    Args:
        box (Sequence[float]): ``(x1, y1, x2, y2)`` in pixels.
        width (int): Image width.
        height (int): Image height.
        report (ConversionReport): Where findings go.
        file (str): Annotation file, for the report.
        line (int, optional): Line in ``file``, for the report.

    Returns:
        tuple | None: The (possibly clipped) box, or None when dropped.
    """
    x1, y1, x2, y2 = box
    if x2 - x1 <= 0 or y2 - y1 <= 0:
        report.add('zero_area', file, line, f'box {fmt_box(box)} has no area', 'dropped')
        return None
    cx1, cy1 = max(x1, 0.0), max(y1, 0.0)
    cx2, cy2 = min(x2, float(width)), min(y2, float(height))
    if (cx1, cy1, cx2, cy2) == (x1, y1, x2, y2):
        return x1, y1, x2, y2
    clipped = (cx1, cy1, cx2, cy2)
    if cx2 - cx1 < 1 or cy2 - cy1 < 1:
        report.add('zero_area', file, line,
                   f'box {fmt_box(box)} lies outside the {width}x{height} image', 'dropped')
        return None
    report.add('out_of_image', file, line,
               f'box {fmt_box(box)} leaves the {width}x{height} image',
               f'clipped to {fmt_box(clipped)}')
    return clipped


def fmt_box(box: Sequence[float]) -> str:
    """Format a box compactly for messages."""
    return '[' + ', '.join(f'{v:g}' for v in box) + ']'


def index_images(root: os.PathLike, report: ConversionReport) -> Dict[str, str]:
    """Find every image under ``root`` (any depth, extension case-insensitive).

    Args:
        root (PathLike): Images root.
        report (ConversionReport): Receives ``duplicate_image`` findings.

    Returns:
        dict[str, str]: Lower-cased stem -> path relative to ``root`` (``/`` separators).
    """
    root = Path(root)
    found: Dict[str, str] = {}
    for path in sorted(root.rglob('*')):
        if not path.is_file() or path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        rel = path.relative_to(root).as_posix()
        key = path.stem.lower()
        if key in found:
            report.add('duplicate_image', rel, None,
                       f'same stem as {found[key]}', f'ignored, {found[key]} kept')
            continue
        found[key] = rel
    return found


def locate_image(index: Dict[str, str], stem: str, images: os.PathLike, ann_file: str,
                 report: ConversionReport,
                 prefix: str = '') -> Optional[Tuple[str, Tuple[int, int]]]:
    """Find the image of an annotation and read its size (``no_image``/``bad_image`` if not).

    Args:
        index (dict[str, str]): From :func:`index_images`.
        stem (str): The image stem the annotation names.
        images (PathLike): Images root of ``index``.
        ann_file (str): The annotation file, for the report.
        report (ConversionReport): Where findings go.
        prefix (str): Prepended to image paths in findings (e.g. ``'image/'``). Defaults to ''.

    Returns:
        tuple | None: ``(file_name, (width, height))``, or None when the image is dropped.
    """
    file_name = index.get(stem.lower())
    if file_name is None:
        report.add('no_image', ann_file, None, f'no image with stem "{stem}" under the images '
                   'root', 'annotation dropped')
        return None
    try:
        return file_name, read_image_size(Path(images) / file_name)
    except ImageReadError as err:
        report.add('bad_image', prefix + file_name, None, err.problem, 'image dropped')
        return None


def report_unannotated(index: Dict[str, str], annotated: set, report: ConversionReport,
                       prefix: str = '') -> None:
    """Report images of ``index`` whose stem no annotation file named (``no_annotation_file``)."""
    for stem, file_name in sorted(index.items(), key=lambda kv: kv[1]):
        if stem not in annotated:
            report.add('no_annotation_file', prefix + file_name, None,
                       'image has no annotation file', 'image dropped')


def ratio_split(names: Iterable[str], ratios: Dict[str, float], seed: int) -> Dict[str, str]:
    """Assign names to subsets at random, reproducibly.

    Names are sorted, shuffled with ``random.Random(seed)`` and cut in the order of ``ratios``;
    the last subset takes the rounding remainder.

    Args:
        names (Iterable[str]): Image identifiers.
        ratios (dict[str, float]): Subset -> fraction, e.g. ``{'train': 0.8, 'test': 0.2}``.
        seed (int): Random seed.

    Returns:
        dict[str, str]: Name -> subset.
    """
    if abs(sum(ratios.values()) - 1.0) > 1e-6:
        raise ValueError(f'split ratios must sum to 1, got {ratios}')
    order = sorted(names)
    random.Random(seed).shuffle(order)
    assignment: Dict[str, str] = {}
    start = 0
    subsets = list(ratios.items())
    for i, (subset, ratio) in enumerate(subsets):
        end = len(order) if i == len(subsets) - 1 else start + int(round(ratio * len(order)))
        for name in order[start:end]:
            assignment[name] = subset
        start = end
    return assignment


def to_coco(records: Sequence[ImageRecord], image_ids: Dict[str, int], classes: Sequence[str],
            info: dict) -> dict:
    """Build a COCO detection dict.

    Args:
        records (Sequence[ImageRecord]): Images of one subset.
        image_ids (dict[str, int]): ``file_name`` -> id, shared by all subsets of a conversion.
        classes (Sequence[str]): Class names; category ids are 1-based in this order.
        info (dict): Written as the json's ``info`` (dataset, split, subset, seed, ...).

    Returns:
        dict: With ``info``, ``images``, ``annotations``, ``categories``.
    """
    images, annotations = [], []
    for record in sorted(records, key=lambda r: image_ids[r.file_name]):
        img_id = image_ids[record.file_name]
        images.append(dict(id=img_id, file_name=record.file_name, width=record.width,
                           height=record.height, **record.extra))
        for label, x1, y1, x2, y2 in record.boxes:
            w, h = _r(x2 - x1), _r(y2 - y1)
            annotations.append(dict(id=len(annotations) + 1, image_id=img_id,
                                    category_id=label + 1, bbox=[_r(x1), _r(y1), w, h],
                                    area=_r(w * h), iscrowd=0))
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
    return dict(info=info, images=images, annotations=annotations, categories=categories)


def _r(value: float) -> float:
    """Round to 2 decimals; integers stay integral in the json."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def write_subsets(records: Sequence[ImageRecord], assignment: Dict[str, str],
                  subsets: Sequence[str], out_dir: os.PathLike, prefix: str,
                  classes: Sequence[str], info: dict,
                  report: ConversionReport) -> Dict[str, Path]:
    """Write one COCO json per subset plus the report json.

    Files are ``<out_dir>/<prefix>_<subset>.json`` and ``<out_dir>/<prefix>_report.json``. Image
    ids are 1-based over all records sorted by file name, so an image keeps its id in any split.

    Args:
        records (Sequence[ImageRecord]): All images kept.
        assignment (dict[str, str]): ``file_name`` -> subset.
        subsets (Sequence[str]): Subsets to write, in order (each gets a file, even if empty).
        out_dir (PathLike): Output folder (created).
        prefix (str): File name prefix, e.g. ``exdark_official``.
        classes (Sequence[str]): Class names.
        info (dict): Common ``info`` fields; ``subset`` is added per file.
        report (ConversionReport): Its ``counts`` are filled in and it is written too.

    Returns:
        dict[str, Path]: Subset -> json path (and ``'report'`` -> report path).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    image_ids = {name: i + 1 for i, name in enumerate(sorted(r.file_name for r in records))}
    paths: Dict[str, Path] = {}
    for subset in subsets:
        chosen = [r for r in records if assignment.get(r.file_name) == subset]
        coco = to_coco(chosen, image_ids, classes, dict(info, subset=subset))
        report.counts[subset] = dict(images=len(coco['images']), boxes=len(coco['annotations']))
        paths[subset] = out_dir / f'{prefix}_{subset}.json'
        _dump(coco, paths[subset])
    paths['report'] = out_dir / f'{prefix}_report.json'
    _dump(dict(info=info, **report.to_dict()), paths['report'])
    return paths


def _dump(obj: dict, path: Path) -> None:
    write_atomic(str(path), lambda f: json.dump(obj, f, indent=1))
