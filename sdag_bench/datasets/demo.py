"""The embedded demo set: generated on first use, cached, nothing downloaded.

Layout under the root (default ``data/demo``)::

    normal/{train,val,test}/NNNNN.png   normal-light scenes (references)
    dark/{train,val,test}/NNNNN.png     their low-light counterparts (LowLightDegrade)
    annotations/{train,val,test}.json   COCO boxes (shared by both versions) + degradation params
    spec.json                           what was generated; a different spec regenerates
"""
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Union

import cv2

from sdag_bench.registry import DATASETS
from sdag_bench.transforms.low_light import low_light_degrade
from .coco_with_references import CocoWithReferencesDataset
from .demo_scenes import DEMO_CLASSES, DEMO_PALETTE, render_scene
from .locked_generation import generation_lock, sigterm_as_exit

DEFAULT_DEMO_ROOT = 'data/demo'
#: Changing anything here changes the data, so it is part of the cache key.
DEMO_SPEC: Dict = dict(
    version=2,
    image_size=192,
    max_objects=5,
    splits=dict(train=dict(num=800, seed=1000), val=dict(num=100, seed=2000),
                test=dict(num=200, seed=3000)),
    # moderate low light: dark enough to cut the detector's AP by ~2/3, noisy but not hopeless
    low_light=dict(ranges=dict(exposure=[0.05, 0.2], shot_noise=[1e-4, 1e-3],
                               read_noise=[1e-3, 5e-3]), bits=8),
)


def _demo_root(root: Optional[Union[str, Path]]) -> Path:
    return Path(root or os.environ.get('SDAG_DEMO_ROOT', DEFAULT_DEMO_ROOT))


def _write_split(out: Path, split: str, num: int, seed: int, spec: Dict) -> None:
    images: List[Dict] = []
    annotations: List[Dict] = []
    for sub in ('normal', 'dark'):
        (out / sub / split).mkdir(parents=True, exist_ok=True)
    for idx in range(num):
        scene_seed = seed + idx
        rgb, objects = render_scene(scene_seed, spec['image_size'], spec['max_objects'])
        dark, params = low_light_degrade(
            rgb, seed=scene_seed + 7_000_000, ranges=spec['low_light']['ranges'],
            bits=spec['low_light']['bits'])
        name = f'{idx:05d}.png'
        cv2.imwrite(str(out / 'normal' / split / name), rgb[..., ::-1])
        cv2.imwrite(str(out / 'dark' / split / name), dark[..., ::-1])
        image_id = idx + 1
        images.append(dict(id=image_id, file_name=name, width=rgb.shape[1], height=rgb.shape[0],
                           scene_seed=scene_seed, low_light_params=params))
        for obj in objects:
            x, y, w, h = obj['bbox']
            annotations.append(dict(id=len(annotations) + 1, image_id=image_id,
                                    category_id=obj['label'] + 1, bbox=[x, y, w, h],
                                    area=w * h, iscrowd=0))
    coco = dict(info=dict(description='sdag_bench demo shapes', split=split, spec=spec),
                images=images, annotations=annotations,
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(DEMO_CLASSES)])
    with open(out / 'annotations' / f'{split}.json', 'w') as f:
        json.dump(coco, f)


def _is_current(root: Path, spec: Dict, explicit: bool) -> bool:
    """Whether ``root`` holds a finished set made with ``spec`` (or a custom set to keep)."""
    spec_file = root / 'spec.json'
    if not spec_file.is_file():
        return False
    with open(spec_file) as f:
        stored = json.load(f)
    if stored == json.loads(json.dumps(spec)):
        return True
    return not explicit and bool(stored.get('custom'))  # custom sets: never overwritten


def ensure_demo_set(root: Optional[Union[str, Path]] = None, force: bool = False,
                    spec: Optional[Dict] = None, progress: bool = True) -> Path:
    """Generate the demo set if it is missing or stale, and return its root.

    Safe under concurrent runs: generation holds a lock (``.<root name>.lock`` beside the
    root); a second process waits for it and then uses the finished set. The set is written to
    a temporary folder beside the root and renamed into place when complete, so an interrupted
    run never leaves a half-written set; the temporary folder is removed on an error, Ctrl-C or
    SIGTERM, and one left by a killed (SIGKILL) run is removed by the next generation.

    Args:
        root (str | Path, optional): Where the set lives. Defaults to ``$SDAG_DEMO_ROOT`` or
            ``data/demo`` (relative to the working directory, like the configs).
        force (bool): Regenerate even if a matching set exists. Defaults to False.
        spec (dict, optional): Generation spec. Defaults to :data:`DEMO_SPEC`. A set whose
            stored spec has ``custom=True`` is kept as it is when no spec is given.
        progress (bool): Print a line while generating or waiting. Defaults to True.

    Returns:
        Path: The demo root.
    """
    explicit = spec is not None
    spec = spec or DEMO_SPEC
    root = _demo_root(root)
    if not force and _is_current(root, spec, explicit):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    with generation_lock(root.parent / f'.{root.name}.lock', str(root), progress):
        if not force and _is_current(root, spec, explicit):
            return root  # another process generated it while we waited
        _generate(root, spec, progress)
    return root


def _generate(root: Path, spec: Dict, progress: bool) -> None:
    """Write the set for ``spec`` to a temporary folder and rename it to ``root`` (lock held)."""
    prefix = f'.demo-tmp-{root.name}-'
    for stale in root.parent.glob(f'{prefix}*'):  # left by a killed run: nobody else writes
        shutil.rmtree(stale, ignore_errors=True)
    if progress:
        total = sum(s['num'] for s in spec['splits'].values())
        print(f'[sdag_bench] generating the demo set ({total} scenes) in {root} ...', flush=True)
    with sigterm_as_exit():
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=root.parent))
        old = root.parent / f'{prefix}old'
        try:
            (tmp / 'annotations').mkdir()
            for split, cfg in spec['splits'].items():
                _write_split(tmp, split, cfg['num'], cfg['seed'], spec)
            with open(tmp / 'spec.json', 'w') as f:
                json.dump(spec, f, indent=1)
            if root.exists():
                os.replace(root, old)
            os.replace(tmp, root)
        finally:
            for leftover in (tmp, old):
                if leftover.exists():
                    shutil.rmtree(leftover, ignore_errors=True)


@DATASETS.register_module()
class DemoShapesDataset(CocoWithReferencesDataset):
    """The demo detection set (COCO json in), optionally pointing at normal-light references.

    Args:
        generate (bool): Generate the demo set at ``data_root`` if missing. Defaults to True.
        **kwargs: Passed to :class:`CocoWithReferencesDataset` (``ref_prefix``: folder,
            relative to ``data_root``, of each image's normal-light reference, stored as
            ``ref_path``).
    """

    METAINFO = dict(classes=DEMO_CLASSES, palette=DEMO_PALETTE)

    def __init__(self, *args, generate: bool = True, **kwargs) -> None:
        if generate and kwargs.get('data_root'):
            ensure_demo_set(kwargs['data_root'])
        super().__init__(*args, **kwargs)
