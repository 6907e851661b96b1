"""``UnpairedImageList``: images from several folders, split into train / held-out by rule."""
from typing import List, Optional, Sequence

from sdag_bench.utils.paths import resolve_project_path
from sdag_bench.registry import DATASETS
from .image_folders import (MIN_TRAIN_SIDE, CropSize, UnpairedImageFolder, crop_hw,
                            list_images)
from sdag_bench.utils.image_io import IMAGE_EXTENSIONS, BadImageLog

SPLITS = ('train', 'held_out', 'all')


def split_paths(paths: Sequence[str], split: str, held_out_every: int) -> List[str]:
    """Every ``held_out_every``-th path (indices 0, k, 2k, ...) is held out; the rest train.

    Args:
        paths (Sequence[str]): Sorted image paths of one folder.
        split (str): ``'train'``, ``'held_out'`` or ``'all'``.
        held_out_every (int): The step k (>= 2).

    Returns:
        list[str]: The paths of the split, in order.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    if held_out_every < 2:
        raise ValueError(f'held_out_every must be >= 2, got {held_out_every}')
    if split == 'all':
        return list(paths)
    held = split == 'held_out'
    return [p for i, p in enumerate(paths) if (i % held_out_every == 0) == held]


@DATASETS.register_module()
class UnpairedImageList(UnpairedImageFolder):
    """Unpaired images from several folders, with a fixed train / held-out split.

    In each folder (sorted, recursive) images 0, k, 2k, ... are held out and the others train,
    so a model pretrained on ``split='train'`` can be measured on ``split='held_out'`` photos it
    never saw. Relative folders missing from the working directory are taken from the project
    root.

    Args:
        data_roots (Sequence[str]): The folders.
        split (str): ``'train'``, ``'held_out'`` or ``'all'``. Defaults to 'train'.
        held_out_every (int): The step k of the held-out images. Defaults to 4.
        crop_size (int | tuple[int, int], optional): Random crop; see
            :class:`UnpairedImageFolder`. Defaults to 256.
        recursive (bool): Also read sub-folders. Defaults to True.
        extensions (Sequence[str]): Image file extensions.
        skip_bad (bool): Skip and count unreadable or too small images (after the split, so
            the split does not move); see :class:`UnpairedImageFolder`. Defaults to False.
        min_side (int): Smallest accepted shorter side in pixels. Defaults to
            :data:`MIN_TRAIN_SIDE` (16).
    """

    def __init__(self, data_roots: Sequence[str], split: str = 'train', held_out_every: int = 4,
                 crop_size: CropSize = 256, recursive: bool = True,
                 extensions: Sequence[str] = IMAGE_EXTENSIONS, skip_bad: bool = False,
                 min_side: int = MIN_TRAIN_SIDE) -> None:
        if isinstance(data_roots, str) or not data_roots:
            raise ValueError(f'data_roots must be a non-empty list of folders, got {data_roots!r}')
        self.data_roots = [resolve_project_path(root) for root in data_roots]
        self.data_root = ', '.join(self.data_roots)
        self.split = split
        self.crop_size = crop_hw(crop_size)
        self.skip_bad = skip_bad
        self.min_side = min_side
        self.skipped = BadImageLog()
        self.paths: List[str] = []
        self.counts: dict = {}
        for root in self.data_roots:
            found = list_images(root, recursive, extensions)
            if not found:
                raise FileNotFoundError(f'no images ({", ".join(extensions)}) under {root}')
            picked = split_paths(found, split, held_out_every)
            self.counts[root] = len(picked)
            self.paths += picked
        self._drop_bad_headers()
        if not self.paths:
            raise FileNotFoundError(f'the {split} split of {self.data_roots} is empty')

    def describe(self, prefix: Optional[str] = None) -> str:
        """One line: images per folder of this split."""
        parts = [f'{root}: {n}' for root, n in self.counts.items()]
        return f'{prefix or self.split}: {len(self.paths)} images ({"; ".join(parts)})'
