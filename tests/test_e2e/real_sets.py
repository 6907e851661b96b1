"""Raw ExDark and DARK FACE trees, as distributed, built in a temporary folder from the real
photos in ``../shared/assets`` (copied into the temporary folder only, never into the project),
plus one truncated image in each, and the command-line runner the end-to-end tests share.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXDARK_CLASSES = ('Bicycle', 'Boat', 'Bottle', 'Bus', 'Car', 'Cat', 'Chair', 'Cup', 'Dog',
                  'Motorbike', 'People', 'Table')
SCI_DIFFICULT = 'vis-opt-group+SCI/data/difficult'
#: The bad image of each tree: the first 40 % of a real photo's bytes (a truncated file).
#: A truncated JPEG keeps a readable header, so the ExDark converter lists it and the benchmark
#: meets it; the DARK FACE one is truncated after conversion (a PNG's header check reads it all).
TRUNCATED_EXDARK = '2015_02057_truncated.jpg'
TRUNCATED_DARKFACE = '9999.png'

#: Face boxes (x1, y1, x2, y2) for the seven real DARK FACE photos. NO real DARK FACE labels
#: exist here: these were placed by eye on brightened copies of the photos (heads of the people
#: visible in them), so an AP on them measures agreement with these boxes, nothing more.
DARKFACE_BOXES: Dict[str, List[Tuple[int, int, int, int]]] = {
    '1482': [(125, 368, 150, 393)],
    '234': [(370, 386, 394, 411), (446, 391, 466, 412), (479, 378, 500, 400),
            (590, 349, 616, 377)],
    '252': [(585, 208, 630, 262)],
    '2850': [(643, 428, 661, 447)],
    '372': [(511, 386, 525, 402), (534, 388, 548, 403), (655, 383, 672, 402)],
    '644': [(183, 338, 213, 372), (330, 375, 358, 408), (617, 340, 645, 375),
            (940, 208, 975, 255), (525, 384, 547, 410)],
    '645': [(248, 382, 274, 412), (535, 328, 562, 362), (455, 350, 480, 378),
            (912, 281, 942, 318), (1045, 352, 1075, 382)],
}


def run_cli(args: Sequence[str], timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a project script as a researcher types it (``python tools/x.py ...``) from the
    project root, one thread; returns the finished process (stdout and stderr as text)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    return subprocess.run([sys.executable, *map(str, args)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _truncate(src: Path, dst: Path) -> None:
    data = src.read_bytes()
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data[:int(len(data) * 0.4)])


def truncate_file(path: Path) -> None:
    """Keep the first 40 % of a file's bytes (an interrupted copy)."""
    _truncate(path, path)


def exdark_photos(assets: Path) -> List[dict]:
    """The five real ExDark photos shipped with SCI and their boxes (``derived/`` json)."""
    with open(assets / 'derived' / 'exdark_sci_images_boxes.json') as f:
        return json.load(f)['images']


def build_exdark_tree(assets: Path, root: Path) -> Dict[str, List[Tuple[str, list]]]:
    """Write ``ExDark/<Class>/<image>``, ``ExDark_Annno/<Class>/<image>.txt`` (bbGt version 3)
    and ``imageclasslist.txt`` (the official rows of these images) under ``root``.

    The truncated copy of ``2015_02057.jpg`` gets the boxes of the original and a list row
    written here (class Bus, split 2 = val), so the official val subset holds it.

    Returns:
        dict: image file name -> ``[(class, [x1, y1, x2, y2]), ...]``, the real boxes.
    """
    official = {}
    with open(assets / 'cs-chan+Exclusively-Dark-Image-Dataset' / 'Groundtruth' /
              'imageclasslist.txt') as f:
        header = f.readline()
        for line in f:
            if line.split():
                official[line.split()[0]] = line.rstrip('\n')
    gts, rows = {}, [header.rstrip('\n')]
    for photo in exdark_photos(assets):
        name, cls = photo['exdark_name'], photo['image_class']
        image = root / 'ExDark' / cls / name
        image.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(assets / photo['file'], image)
        objects = [(o['class'], o['bbox_xyxy']) for o in photo['objects']]
        _write_bbgt(root / 'ExDark_Annno' / cls / f'{name}.txt', objects)
        gts[name] = objects
        rows.append(official[name])
    bad = root / 'ExDark' / 'Bus' / TRUNCATED_EXDARK
    _truncate(assets / SCI_DIFFICULT / '2015_02057.jpg', bad)
    _write_bbgt(root / 'ExDark_Annno' / 'Bus' / f'{TRUNCATED_EXDARK}.txt', gts['2015_02057.jpg'])
    rows.append(f'{TRUNCATED_EXDARK} 4 2 2 2')
    (root / 'imageclasslist.txt').write_text('\n'.join(rows) + '\n')
    return gts


def _write_bbgt(path: Path, objects: Sequence[Tuple[str, list]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ['% bbGt version=3']
    for cls, (x1, y1, x2, y2) in objects:
        lines.append(f'{cls} {x1} {y1} {x2 - x1} {y2 - y1} 0 0 0 0 0 0 0')
    path.write_text('\n'.join(lines) + '\n')


def build_darkface_tree(assets: Path, root: Path) -> Dict[str, List[Tuple[str, list]]]:
    """Write ``image/N.png`` (the seven real photos and a copy of ``1482.png`` named
    :data:`TRUNCATED_DARKFACE`, to be damaged with :func:`truncate_file` after conversion),
    ``label/N.txt`` (count line, then ``x1 y1 x2 y2``; boxes from :data:`DARKFACE_BOXES`) and
    ``test.txt`` listing every image.

    Returns:
        dict: image file name -> ``[('face', [x1, y1, x2, y2]), ...]``.
    """
    gts = {}
    (root / 'image').mkdir(parents=True)
    (root / 'label').mkdir()
    for stem, boxes in DARKFACE_BOXES.items():
        shutil.copyfile(assets / SCI_DIFFICULT / f'{stem}.png', root / 'image' / f'{stem}.png')
        _write_darkface_label(root / 'label' / f'{stem}.txt', boxes)
        gts[f'{stem}.png'] = [('face', list(b)) for b in boxes]
    # a readable copy for now: a PNG with cut pixel data fails the converter's header check
    # (and is dropped there); truncate_file() damages it after conversion
    shutil.copyfile(assets / SCI_DIFFICULT / '1482.png', root / 'image' / TRUNCATED_DARKFACE)
    _write_darkface_label(root / 'label' / f'{Path(TRUNCATED_DARKFACE).stem}.txt',
                          DARKFACE_BOXES['1482'])
    names = sorted(p.name for p in (root / 'image').iterdir())
    (root / 'test.txt').write_text('\n'.join(names) + '\n')
    return gts


def _write_darkface_label(path: Path, boxes: Sequence[Tuple[int, int, int, int]]) -> None:
    path.write_text('\n'.join([str(len(boxes))] + [' '.join(map(str, b)) for b in boxes]) +
                    '\n')
