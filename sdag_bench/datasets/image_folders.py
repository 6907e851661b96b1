"""Folders of images for enhancer training and paired evaluation.

Each item is ``dict(inputs=uint8 RGB CHW tensor, data_samples=BaseDataElement)``: what
``EnhancerDataPreprocessor`` batches into float RGB in [0, 1]. Paired items carry the normal-light
image as ``data_samples.gt_img``.
"""
import logging
import os
import os.path as osp
import random
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from torch.utils.data import Dataset

from sdag_bench.registry import DATASETS
from sdag_bench.utils.image_io import (IMAGE_EXTENSIONS, BadImageLog, ImageReadError, read_image,
                                       read_image_size)

CropSize = Optional[Union[int, Sequence[int]]]


def list_images(root: str, recursive: bool = True,
                extensions: Sequence[str] = IMAGE_EXTENSIONS) -> List[str]:
    """Sorted image paths under ``root`` (case-insensitive extensions)."""
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'image folder not found: {root} (the default enhancer training data is the dark demo '
            'split: run `python data_tools/make_demo_set.py`, or pass '
            '--cfg-options train_dataloader.dataset.data_root=PATH)')
    extensions = tuple(e.lower() for e in extensions)
    paths = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        paths.extend(osp.join(folder, n) for n in names if n.lower().endswith(extensions))
        if not recursive:
            break
    return sorted(paths)


def crop_hw(crop_size: CropSize) -> Optional[Tuple[int, int]]:
    if crop_size is None:
        return None
    if isinstance(crop_size, int):
        return crop_size, crop_size
    h, w = crop_size
    return int(h), int(w)


def random_crop(images: Sequence[np.ndarray], size: Optional[Tuple[int, int]]) -> List[np.ndarray]:
    """The same random ``size`` crop of each image (H x W x 3, all one shape); an image smaller
    than ``size`` is first enlarged (aspect kept) so the crop fits."""
    if size is None:
        return list(images)
    ch, cw = size
    h, w = images[0].shape[:2]
    if h < ch or w < cw:
        scale = max(ch / h, cw / w)
        nh, nw = max(ch, round(h * scale)), max(cw, round(w * scale))
        images = [cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR) for img in images]
        h, w = nh, nw
    top, left = random.randint(0, h - ch), random.randint(0, w - cw)
    return [img[top:top + ch, left:left + cw] for img in images]


def _to_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


def _skip(log: BadImageLog, err: ImageReadError, data_root: str) -> None:
    """Count one skipped image and log it (once per file)."""
    if err.path not in {path for path, _ in log.entries}:
        log.add(err)
        what = 'too small' if err.problem.startswith('too small (') else 'unreadable'
        print_log(f'skipped {what} image {err} ({log.count} skipped under {data_root} so far)',
                  logger='current', level=logging.WARNING)


#: Shorter side (pixels) below which a training photo is refused as too small.
MIN_TRAIN_SIDE = 16


def check_min_side(path: str, width: int, height: int, min_side: int) -> None:
    """Refuse an image whose shorter side is under ``min_side`` pixels.

    A thumbnail or icon in a training folder would otherwise be enlarged to the crop size and
    train the enhancer on interpolation blur.

    Args:
        path (str): The image file (named in the error).
        width (int): Its width in pixels.
        height (int): Its height in pixels.
        min_side (int): The smallest accepted shorter side; 0 accepts every size.

    Raises:
        ImageReadError: ``too small (W x H px, ...)``.
    """
    if min(width, height) < min_side:
        raise ImageReadError(path, f'too small ({width} x {height} px; a training image needs '
                             f'a shorter side of at least {min_side} px)')


def _header_ok(path: str, log: BadImageLog, data_root: str, min_side: int = 0) -> bool:
    """Whether ``path`` has a readable image header and is at least ``min_side`` pixels on its
    shorter side; if not, count and log it."""
    try:
        check_min_side(path, *read_image_size(path), min_side)
    except ImageReadError as err:
        _skip(log, err, data_root)
        return False
    return True


@DATASETS.register_module()
class UnpairedImageFolder(Dataset):
    """Every image under a folder (recursively), for unsupervised enhancer training.

    A file that cannot be read, or whose shorter side is under ``min_side`` pixels, raises
    :class:`~sdag_bench.utils.image_io.ImageReadError` naming it. With ``skip_bad=True`` such
    files are skipped instead, each counted in :attr:`skipped` and logged once: files whose
    header is unreadable (empty, not an image, symbolic link loop, too large ...) or too small
    are dropped when the folder is listed; a file whose pixel data turns out truncated is
    replaced by the next readable image.

    Args:
        data_root (str): The folder.
        crop_size (int | tuple[int, int], optional): Random crop (H, W) so images batch
            together; None keeps whole images (use batch_size=1). Defaults to 256.
        recursive (bool): Also read sub-folders. Defaults to True.
        extensions (Sequence[str]): Image file extensions.
        skip_bad (bool): Skip and count unreadable or too small images instead of raising.
            Defaults to False.
        min_side (int): Smallest accepted shorter side in pixels (0: any size). Defaults to
            :data:`MIN_TRAIN_SIDE` (16).
    """

    def __init__(self, data_root: str, crop_size: CropSize = 256, recursive: bool = True,
                 extensions: Sequence[str] = IMAGE_EXTENSIONS, skip_bad: bool = False,
                 min_side: int = MIN_TRAIN_SIDE) -> None:
        self.data_root = data_root
        self.crop_size = crop_hw(crop_size)
        self.skip_bad = skip_bad
        self.min_side = min_side
        self.skipped = BadImageLog()
        self.paths = list_images(data_root, recursive, extensions)
        self._drop_bad_headers()
        if not self.paths:
            skipped = f' ({self.skipped.count} unreadable, skipped)' if self.skipped.count else ''
            raise FileNotFoundError(f'no images ({", ".join(extensions)}) under {data_root}'
                                    f'{skipped}')

    def _drop_bad_headers(self) -> None:
        """With ``skip_bad``, drop (count, log) the listed files whose header is unreadable or
        whose image is too small."""
        if not self.skip_bad:
            return
        self.paths = [p for p in self.paths
                      if _header_ok(p, self.skipped, self.data_root, self.min_side)]
        if self.skipped.count:
            print_log(f'{type(self).__name__}: {self.skipped.count} unreadable or too small '
                      f'image(s) skipped under {self.data_root}, {len(self.paths)} left: '
                      f'{self.skipped.by_problem()}', logger='current', level=logging.WARNING)

    def __len__(self) -> int:
        return len(self.paths)

    def _read(self, index: int) -> Tuple[str, np.ndarray]:
        """Read image ``index``; with ``skip_bad``, the next readable one if it is bad."""
        for offset in range(len(self.paths)):
            path = self.paths[(index + offset) % len(self.paths)]
            try:
                img = read_image(path, channel_order='rgb')
                check_min_side(path, img.shape[1], img.shape[0], self.min_side)
                return path, img
            except ImageReadError as err:
                if not self.skip_bad:
                    raise
                _skip(self.skipped, err, self.data_root)
        raise ImageReadError(self.data_root, f'none of its {len(self.paths)} images is readable')

    def __getitem__(self, index: int) -> Dict[str, object]:
        path, img = self._read(index)
        (crop, ) = random_crop([img], self.crop_size)
        meta = dict(img_path=path, ori_shape=img.shape[:2], img_shape=crop.shape[:2])
        return {'inputs': _to_tensor(crop), 'data_samples': BaseDataElement(metainfo=meta)}


@DATASETS.register_module()
class PairedImageFolder(Dataset):
    """LOL-style pairs: ``data_root/low/NAME`` with ``data_root/high/NAME`` (same file stem).

    Args:
        data_root (str): Folder holding the two sub-folders.
        low_dir (str): Low-light sub-folder. Defaults to 'low'.
        high_dir (str): Normal-light sub-folder. Defaults to 'high'.
        crop_size (int | tuple[int, int], optional): Same random crop of both; None (default)
            keeps whole images.
        skip_bad (bool): Drop (count in :attr:`skipped`, log) pairs with an image whose header
            is unreadable, when the folders are listed. Pixel data that turns out truncated
            still raises: a paired set is scored, and a substitute would bias the score.
            Defaults to False.
    """

    def __init__(self, data_root: str, low_dir: str = 'low', high_dir: str = 'high',
                 crop_size: CropSize = None, skip_bad: bool = False) -> None:
        self.data_root = data_root
        self.crop_size = crop_hw(crop_size)
        self.skipped = BadImageLog()
        lows = list_images(osp.join(data_root, low_dir))
        highs = {osp.splitext(osp.relpath(p, osp.join(data_root, high_dir)))[0]: p
                 for p in list_images(osp.join(data_root, high_dir))}
        self.pairs, unmatched = [], []
        for low in lows:
            stem = osp.splitext(osp.relpath(low, osp.join(data_root, low_dir)))[0]
            if stem in highs:
                self.pairs.append((low, highs[stem]))
            else:
                unmatched.append(osp.relpath(low, data_root))
        if unmatched:
            raise FileNotFoundError(f'{len(unmatched)} low-light image(s) in {data_root} have no '
                                    f'{high_dir}/ counterpart: {unmatched[:5]}')
        if skip_bad:
            self.pairs = [pair for pair in self.pairs
                          if all([_header_ok(p, self.skipped, data_root) for p in pair])]
        if not self.pairs:
            raise FileNotFoundError(f'no image pairs under {data_root}/{{{low_dir},{high_dir}}}')

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> Dict[str, object]:
        low_path, high_path = self.pairs[index]
        low, high = read_image(low_path, 'rgb'), read_image(high_path, 'rgb')
        if low.shape != high.shape:
            raise ValueError(f'pair sizes differ: {low_path} {low.shape[:2]} vs '
                             f'{high_path} {high.shape[:2]}')
        low_crop, high_crop = random_crop([low, high], self.crop_size)
        meta = dict(img_path=low_path, gt_path=high_path, ori_shape=low.shape[:2],
                    img_shape=low_crop.shape[:2])
        sample = BaseDataElement(metainfo=meta, gt_img=_to_tensor(high_crop))
        return {'inputs': _to_tensor(low_crop), 'data_samples': sample}
