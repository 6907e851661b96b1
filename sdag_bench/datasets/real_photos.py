"""The real-photos benchmark set: generated on first use from the third-party photos, cached.

Nothing here is copied from the photos into the project: the generated files live under
``data/real_photos`` (git-ignored), made from ``../shared/assets`` by
``python data_tools/make_real_photos_set.py`` or by the first dataset that needs them. Layout::

    coco8/normal/NAME.png            the 8 coco8 photos, decoded once (the upper-bound row and
                                     the PSNR/SSIM references)
    coco8/dark/NAME.png              their low-light copies (LowLightDegrade, fixed seeds)
    annotations/coco8.json           COCO boxes (80 COCO classes) + each image's degradation
    annotations/exdark_photos.json   the 5 real ExDark photos of SCI's data/difficult with
                                     their real ExDark boxes (12 ExDark classes)
    spec.json                        what was generated; a different spec regenerates
"""
import json
import os
import os.path as osp
import shutil
import tempfile
from pathlib import Path
from typing import Dict, Optional, Union

import cv2
from mmdet.datasets import CocoDataset

from sdag_bench.datasets.coco_with_references import CocoWithReferencesDataset
from sdag_bench.datasets.converters.common import label_text
from sdag_bench.datasets.exdark import ExDarkDataset
from sdag_bench.utils.image_io import read_image
from sdag_bench.utils.paths import resolve_project_path
from sdag_bench.registry import DATASETS
from sdag_bench.transforms.low_light import low_light_degrade

DEFAULT_REAL_PHOTOS_ROOT = 'data/real_photos'
DEFAULT_ASSETS_ROOT = '../shared/assets'
#: How to make the set (part of the cache key: changing it regenerates).
REAL_PHOTOS_SPEC: Dict = dict(
    version=1,
    coco8=dict(images='ultralytics+coco8/images', labels='ultralytics+coco8/labels',
               seed=0,
               # the demo's moderate low light: dark, noisy, not hopeless
               low_light=dict(ranges=dict(exposure=[0.05, 0.2], shot_noise=[1e-4, 1e-3],
                                          read_noise=[1e-3, 5e-3]), bits=8)),
    exdark=dict(boxes='derived/exdark_sci_images_boxes.json',
                images='vis-opt-group+SCI/data/difficult'),
)
#: The command that (re)makes the set; named in every error about it.
MAKE_COMMAND = 'python data_tools/make_real_photos_set.py'


def _assets(assets_root: Optional[str]) -> Path:
    root = assets_root or os.environ.get('SDAG_SHARED_ASSETS') or DEFAULT_ASSETS_ROOT
    resolved = resolve_project_path(root)
    if not osp.isdir(resolved):
        raise FileNotFoundError(
            f'the real-photos set is made from the third-party assets folder, not found at '
            f'{root} (set SDAG_SHARED_ASSETS or pass --assets to {MAKE_COMMAND})')
    return Path(resolved)


def _coco8_split(assets: Path, spec: Dict, out: Path) -> Dict:
    """Decode, darken and label the coco8 photos; return the COCO dict."""
    classes = CocoDataset.METAINFO['classes']
    images, annotations = [], []
    image_dir, label_dir = assets / spec['images'], assets / spec['labels']
    paths = sorted(image_dir.glob('*/*.jpg'))
    if not paths:
        raise FileNotFoundError(f'no coco8 photos under {image_dir}')
    for index, path in enumerate(paths):
        rgb = read_image(str(path), channel_order='rgb')
        seed = spec['seed'] + index
        dark, params = low_light_degrade(rgb, seed=seed, ranges=spec['low_light']['ranges'],
                                         bits=spec['low_light']['bits'])
        name = f'{path.stem}.png'
        cv2.imwrite(str(out / 'coco8' / 'normal' / name), rgb[..., ::-1])
        cv2.imwrite(str(out / 'coco8' / 'dark' / name), dark[..., ::-1])
        height, width = rgb.shape[:2]
        image_id = index + 1
        images.append(dict(id=image_id, file_name=name, width=width, height=height,
                           source=f'{spec["images"]}/{path.parent.name}/{path.name}',
                           seed=seed, low_light_params=params))
        label_file = label_dir / path.parent.name / f'{path.stem}.txt'
        for line_no, line in enumerate(label_text(label_file).splitlines(), 1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 5:
                raise ValueError(f'{label_file}:{line_no}: expected "cls cx cy w h", got {line!r}')
            cls = int(fields[0])
            if not 0 <= cls < len(classes):
                raise ValueError(f'{label_file}:{line_no}: class {cls} outside 0..79')
            cx, cy, w, h = (float(v) for v in fields[1:])
            box = [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height]
            annotations.append(dict(id=len(annotations) + 1, image_id=image_id,
                                    category_id=cls + 1, bbox=box, area=box[2] * box[3],
                                    iscrowd=0))
    return dict(info=dict(dataset='coco8 darkened', split='coco8', seed=spec['seed'],
                          source='ultralytics coco8 (COCO train2017 photos)'),
                images=images, annotations=annotations,
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(classes)])


def _exdark_photos(assets: Path, spec: Dict) -> Dict:
    """The ExDark photos' real boxes as a COCO dict (file names relative to their folder)."""
    from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
    with open(assets / spec['boxes']) as f:
        derived = json.load(f)
    if list(derived['classes']) != list(EXDARK_CLASSES):
        raise ValueError(f'{spec["boxes"]}: classes {derived["classes"]} are not the ExDark '
                         f'classes {EXDARK_CLASSES}')
    images, annotations = [], []
    for index, item in enumerate(derived['images']):
        name = item['exdark_name']
        if not (assets / spec['images'] / name).is_file():
            raise FileNotFoundError(f'ExDark photo {name} not found in {assets / spec["images"]}')
        images.append(dict(id=index + 1, file_name=name, width=item['width'],
                           height=item['height'], image_class=item['image_class'],
                           light=item['light']))
        for obj in item['objects']:
            x1, y1, x2, y2 = obj['bbox_xyxy']
            annotations.append(dict(id=len(annotations) + 1, image_id=index + 1,
                                    category_id=EXDARK_CLASSES.index(obj['class']) + 1,
                                    bbox=[x1, y1, x2 - x1, y2 - y1], area=(x2 - x1) * (y2 - y1),
                                    iscrowd=0))
    return dict(info=dict(dataset='ExDark', split='SCI data/difficult photos',
                          source=spec['boxes']),
                images=images, annotations=annotations,
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(EXDARK_CLASSES)])


def ensure_real_photos_set(root: Optional[Union[str, Path]] = None,
                           assets_root: Optional[str] = None, force: bool = False,
                           progress: bool = True) -> Path:
    """Make the real-photos set if it is missing or stale, and return its root.

    Generation goes to a temporary folder renamed into place when complete, so an interrupted
    run never leaves a half-written set.

    Args:
        root (str | Path, optional): Where the set lives. Defaults to ``data/real_photos``.
        assets_root (str, optional): The third-party assets folder. Defaults to
            ``$SDAG_SHARED_ASSETS`` or ``../shared/assets``.
        force (bool): Regenerate even if an up-to-date set exists. Defaults to False.
        progress (bool): Print a line while generating. Defaults to True.

    Returns:
        Path: The set's root.

    Raises:
        FileNotFoundError: The assets folder or one of its photos is missing.
    """
    root = Path(resolve_project_path(str(root or DEFAULT_REAL_PHOTOS_ROOT)))
    spec_file = root / 'spec.json'
    if not force and spec_file.is_file():
        with open(spec_file) as f:
            if json.load(f) == json.loads(json.dumps(REAL_PHOTOS_SPEC)):
                return root
    assets = _assets(assets_root)
    if progress:
        print(f'[sdag_bench] making the real-photos set in {root} from {assets} ...')
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix='.real-photos-tmp-', dir=root.parent))
    try:
        for sub in ('annotations', 'coco8/normal', 'coco8/dark'):
            (tmp / sub).mkdir(parents=True)
        outputs = {'coco8.json': _coco8_split(assets, REAL_PHOTOS_SPEC['coco8'], tmp),
                   'exdark_photos.json': _exdark_photos(assets, REAL_PHOTOS_SPEC['exdark'])}
        for name, coco in outputs.items():
            with open(tmp / 'annotations' / name, 'w') as f:
                json.dump(coco, f, indent=1)
        with open(tmp / 'spec.json', 'w') as f:
            json.dump(REAL_PHOTOS_SPEC, f, indent=1)
        if root.exists():
            shutil.rmtree(root)
        os.replace(tmp, root)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return root


class _MadeOnFirstUse:
    """Mixin: make the real-photos set (``set_root``) before the COCO json is read."""

    @staticmethod
    def _ensure(set_root: Optional[str], assets_root: Optional[str], generate: bool,
                kwargs: dict) -> None:
        """Make the set if asked, else check it is there; resolve the config's relative
        paths from the project root (so a run from another folder finds them)."""
        if generate:
            ensure_real_photos_set(set_root, assets_root)
        elif not osp.isfile(osp.join(resolve_project_path(set_root or DEFAULT_REAL_PHOTOS_ROOT),
                                     'spec.json')):
            raise FileNotFoundError(f'the real-photos set is not in '
                                    f'{set_root or DEFAULT_REAL_PHOTOS_ROOT}: run {MAKE_COMMAND}')
        if kwargs.get('data_root'):
            kwargs['data_root'] = resolve_project_path(kwargs['data_root'])
        else:
            kwargs['ann_file'] = resolve_project_path(kwargs.get('ann_file'))
            prefix = dict(kwargs.get('data_prefix') or {})
            if prefix.get('img'):
                prefix['img'] = resolve_project_path(prefix['img'])
                kwargs['data_prefix'] = prefix


@DATASETS.register_module()
class RealPhotosCocoDataset(_MadeOnFirstUse, CocoWithReferencesDataset):
    """COCO-class photos of the real-photos set (coco8 darkened), with normal-light references.

    Args:
        set_root (str, optional): The real-photos set to make on first use. Defaults to
            ``data/real_photos``.
        assets_root (str, optional): The third-party assets. Defaults to ``../shared/assets``.
        generate (bool): Make the set if missing or stale. Defaults to True.
        **kwargs: Passed to :class:`CocoWithReferencesDataset` (``ref_prefix``: folder,
            relative to ``data_root``, of each image's normal-light reference, stored as
            ``ref_path`` for PSNR/SSIM).
    """

    def __init__(self, *args, set_root: Optional[str] = None, assets_root: Optional[str] = None,
                 generate: bool = True, **kwargs) -> None:
        self._ensure(set_root, assets_root, generate, kwargs)
        super().__init__(*args, **kwargs)


@DATASETS.register_module()
class RealExDarkPhotosDataset(_MadeOnFirstUse, ExDarkDataset):
    """The real ExDark photos of the real-photos set, read in place from the assets folder.

    Args:
        set_root (str, optional): The real-photos set (holding the json) to make on first use.
            Defaults to ``data/real_photos``.
        assets_root (str, optional): The third-party assets. Defaults to ``../shared/assets``.
        generate (bool): Make the set if missing or stale. Defaults to True.
        **kwargs: Passed to :class:`ExDarkDataset`.
    """

    def __init__(self, *args, set_root: Optional[str] = None, assets_root: Optional[str] = None,
                 generate: bool = True, **kwargs) -> None:
        self._ensure(set_root, assets_root, generate, kwargs)
        super().__init__(*args, **kwargs)
