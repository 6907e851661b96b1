"""A folder of enhanced images produced elsewhere (MATLAB code, another repository, a paper's
download), scored as a benchmark row like any enhancer."""
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Tuple

from torch import Tensor

from sdag_bench.utils.image_io import IMAGE_EXTENSIONS
from sdag_bench.utils.paths import resolve_project_path
from sdag_bench.registry import MODELS
from .base import BaseEnhancer


@MODELS.register_module()
class PrecomputedEnhancer(BaseEnhancer):
    """Outputs read from ``folder``, matched to the test images by file stem.

    Its forward is the identity: the benchmark harness
    (``sdag_bench.benchmark.run.enhanced_folder``) replaces each loaded image by the folder's
    file with the same stem (any image extension), resized back to the original size when it
    differs, and counts missing and unreadable files.
    A symlink whose target lies outside the folder is refused (never read or hashed) and
    counted. Nothing runs, so the cost columns stay empty.

    Args:
        folder (str): Folder of enhanced images (relative paths from the working directory or
            the project root).
    """

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = resolve_project_path(folder) or folder

    def forward(self, inputs: Tensor) -> Tensor:
        """The input unchanged (the harness substitutes the folder's images)."""
        return inputs

    def index(self) -> Dict[str, List[str]]:
        """Image files of the folder by stem (several files may share one); symlinks leaving
        the folder are left out (see :meth:`scan`).

        Returns:
            dict[str, list[str]]: Stem -> sorted file paths.

        Raises:
            FileNotFoundError: The folder does not exist.
        """
        return self.scan()[0]

    def scan(self) -> Tuple[Dict[str, List[str]], List[str]]:
        """Image files of the folder by stem, and the names refused: symlinks whose target
        (all links resolved) lies outside the folder, or does not exist.

        Returns:
            tuple[dict[str, list[str]], list[str]]: Stem -> sorted file paths, and the sorted
            names of the refused links.

        Raises:
            FileNotFoundError: The folder does not exist.
        """
        if not osp.isdir(self.folder):
            raise FileNotFoundError(f'enhanced-image folder {self.folder} not found')
        root = osp.realpath(self.folder)
        by_stem: Dict[str, List[str]] = defaultdict(list)
        refused: List[str] = []
        for name in sorted(os.listdir(self.folder)):
            stem, ext = osp.splitext(name)
            path = osp.join(self.folder, name)
            if ext.lower() not in IMAGE_EXTENSIONS:
                continue
            if osp.islink(path):
                target = osp.realpath(path)
                if osp.commonpath([root, target]) != root or not osp.isfile(target):
                    refused.append(name)
                    continue
            if osp.isfile(path):
                by_stem[stem].append(path)
        return dict(by_stem), refused
