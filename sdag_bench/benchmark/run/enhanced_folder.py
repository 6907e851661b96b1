"""Score a folder of enhanced images as a benchmark row (``PrecomputedEnhancer``).

Each loaded test image is replaced by the folder's file with the same stem (any image
extension), read in the loading channel order. An output of another size is resized back to
the original size (bilinear) and counted. A missing or unreadable output is counted and named:
the detector's predictions on that image are emptied (the image counts as one where nothing
was found, so AP is still over every test image and can only be lower), and the leaderboard
marks the row incomplete. A symlink of the folder whose target lies outside it is refused:
never read nor hashed, named in the cell (``refused_names``), its image scored as missing.
"""
import hashlib
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch

from sdag_bench.enhancers.precomputed import PrecomputedEnhancer
from sdag_bench.metrics.image_quality_metric import ENHANCED_FIELD
from sdag_bench.utils.image_io import ImageReadError, read_image
from ..cells import load_config
from .cell_inputs import DataInputError

#: Names listed per problem in a cell record (the counts are always complete).
MAX_NAMES = 20


def precomputed_folder(enhancer_config: str) -> Optional[str]:
    """The folder of a ``PrecomputedEnhancer`` config, None for any other enhancer.

    Args:
        enhancer_config (str): Enhancer config file.

    Returns:
        str | None: The folder (resolved as the enhancer resolves it).
    """
    cfg = load_config(enhancer_config).get('enhancer') or {}
    if str(cfg.get('type', '')).split('.')[-1] != PrecomputedEnhancer.__name__:
        return None
    return PrecomputedEnhancer(cfg['folder']).folder


def folder_digest(folder: str, sha256=None) -> Dict[str, Any]:
    """Digest of a folder's image files (names, sizes, contents): part of the cell key.

    Args:
        folder (str): The folder.
        sha256 (callable, optional): ``path -> (size, hex)`` (e.g. ``FileHashCache.sha256``).

    Returns:
        dict: ``images`` (manifest digest) and ``num_files``.

    Raises:
        DataInputError: The folder does not exist (before any compute).
    """
    try:
        index, refused = PrecomputedEnhancer(folder).scan()
    except FileNotFoundError as err:
        raise DataInputError(f'{err.args[0]} (PrecomputedEnhancer folder)') from None
    files = [p for paths in index.values() for p in paths]
    manifest = hashlib.sha256()
    for name in refused:  # named, never read: the cell records them
        manifest.update(f'{name}\trefused\n'.encode())
    for path in sorted(files):
        if sha256 is not None:
            size, digest = sha256(path)
        else:
            with open(path, 'rb') as f:
                data = f.read()
            size, digest = len(data), hashlib.sha256(data).hexdigest()
        manifest.update(f'{osp.basename(path)}\t{size}\t{digest}\n'.encode())
    return dict(images=manifest.hexdigest(), num_files=len(files))


class PrecomputedOutputs:
    """Substitutes a folder's images for the enhancer's outputs and counts what happened.

    Args:
        enhancer (PrecomputedEnhancer): The row's enhancer (gives the folder).
    """

    def __init__(self, enhancer: PrecomputedEnhancer) -> None:
        self.folder = enhancer.folder
        self.by_stem, self.refused = enhancer.scan()
        self.matched = 0
        self.resized = 0
        self.missing: List[str] = []
        self.unreadable: List[str] = []

    @classmethod
    def of(cls, enhancer: torch.nn.Module) -> Optional['PrecomputedOutputs']:
        """The substitution for a ``PrecomputedEnhancer``, None for any other enhancer."""
        return cls(enhancer) if isinstance(enhancer, PrecomputedEnhancer) else None

    def substitute(self, images: List[np.ndarray], samples: Sequence,
                   channel_order: str = 'bgr') -> List[int]:
        """Replace ``images`` (uint8 H x W x 3, loading order) in place by the folder's files.

        The samples' ``enhanced_img`` (RGB, 0-1, what quality metrics score) is replaced too.

        Args:
            images (list[np.ndarray]): The loaded images (the identity enhancer's output).
            samples (Sequence): Their data samples (``img_path`` gives the stem).
            channel_order (str): The images' channel order, 'bgr' or 'rgb'.

        Returns:
            list[int]: Indices of images with no usable output (predictions to be emptied).
        """
        failed = []
        for i, (image, sample) in enumerate(zip(images, samples)):
            name = osp.basename(sample.metainfo.get('img_path', ''))
            stem = osp.splitext(name)[0]
            candidates = self.by_stem.get(stem, [])
            if len(candidates) > 1:
                raise ValueError(f'enhanced-image folder {self.folder}: several files for test '
                                 f'image {name}: {[osp.basename(c) for c in candidates]}; '
                                 'keep one')
            if not candidates:
                self.missing.append(name)
                failed.append(i)
                continue
            try:
                output = read_image(candidates[0], channel_order=channel_order)
            except ImageReadError:
                self.unreadable.append(osp.basename(candidates[0]))
                failed.append(i)
                continue
            if output.shape[:2] != image.shape[:2]:
                output = cv2.resize(output, (image.shape[1], image.shape[0]),
                                    interpolation=cv2.INTER_LINEAR)
                self.resized += 1
            images[i] = np.ascontiguousarray(output)
            self.matched += 1
            old = getattr(sample, ENHANCED_FIELD, None)
            if old is not None:
                rgb = output if channel_order == 'rgb' else output[..., ::-1]
                tensor = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
                sample.set_field(tensor.to(old.device, old.dtype) / 255, ENHANCED_FIELD)
        return failed

    def summary(self, reduce=lambda n: n) -> Dict[str, Any]:
        """What the cell records: counts (summed over ranks by ``reduce``) and some names."""
        missing, unreadable = reduce(len(self.missing)), reduce(len(self.unreadable))
        return dict(folder=self.folder, matched=reduce(self.matched),
                    resized=reduce(self.resized), missing=missing, unreadable=unreadable,
                    missing_names=self.missing[:MAX_NAMES],
                    unreadable_names=self.unreadable[:MAX_NAMES],
                    refused=len(self.refused), refused_names=self.refused[:MAX_NAMES],
                    complete=missing + unreadable == 0)


def empty_predictions(outputs: Sequence, indices: Sequence[int]) -> None:
    """Drop every detection of the samples at ``indices`` (images with no usable output)."""
    for i in indices:
        outputs[i].pred_instances = outputs[i].pred_instances[:0]


def incomplete_note(record: Dict[str, Any]) -> str:
    """'' for a complete row; else e.g. 'incomplete: 2 of 12 outputs missing, 1 unreadable'."""
    info = record.get('precomputed') or {}
    if not info or info.get('complete', True):
        return ''
    refused = (f", {info['refused']} symlinks leaving the folder refused"
               if info.get('refused') else '')
    return (f"incomplete: {info['missing']} of {record.get('num_images')} outputs missing, "
            f"{info['unreadable']} unreadable (scored as no detections){refused}")
