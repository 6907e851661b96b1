"""A folder of enhanced images produced elsewhere (MATLAB code, another repository, a paper's
download), scored as a benchmark row like any enhancer."""
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List

from torch import Tensor

from sdag_bench.utils.image_io import IMAGE_EXTENSIONS
from sdag_bench.utils.paths import resolve_project_path
from sdag_bench.registry import MODELS
from .base import BaseEnhancer


@MODELS.register_module()
class PrecomputedEnhancer(BaseEnhancer):
    """Outputs read from ``folder``, matched to the test images by file stem.

    Its forward is the identity: the benchmark harness (``sdag_bench.benchmark.precomputed``)
    replaces each loaded image by the folder's file with the same stem (any image extension),
    resized back to the original size when it differs, and counts missing and unreadable files.
    Nothing runs, so the cost columns stay empty.

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
        """Image files of the folder by stem (several files may share one).

        Returns:
            dict[str, list[str]]: Stem -> sorted file paths.

        Raises:
            FileNotFoundError: The folder does not exist.
        """
        if not osp.isdir(self.folder):
            raise FileNotFoundError(f'enhanced-image folder {self.folder} not found')
        by_stem: Dict[str, List[str]] = defaultdict(list)
        for name in sorted(os.listdir(self.folder)):
            stem, ext = osp.splitext(name)
            if ext.lower() in IMAGE_EXTENSIONS and osp.isfile(osp.join(self.folder, name)):
                by_stem[stem].append(osp.join(self.folder, name))
        return dict(by_stem)
