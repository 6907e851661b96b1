"""``DetImageList``: unlabelled images for a detector's test loop (no annotation file)."""
import os.path as osp
from typing import List, Optional, Sequence

from mmdet.datasets import BaseDetDataset

from sdag_bench.utils.paths import resolve_project_path
from sdag_bench.registry import DATASETS
from .image_folders import list_images


@DATASETS.register_module()
class DetImageList(BaseDetDataset):
    """Images with no labels, e.g. DARK FACE photos for counting what a detector finds.

    Items carry ``img_path``, ``img_id`` (the image's 1-based position in the list: an
    integer, as the benchmark's per-image prediction store needs, whatever the file names are)
    and no instances, so only metrics that need no ground truth (e.g.
    ``ConfidentDetectionCount``) apply.

    Args:
        data_root (str): Folder of the images; a relative path missing from the working
            directory is taken from the project root.
        img_names (Sequence[str], optional): File names inside ``data_root``, in this order.
            Defaults to every image in the folder (sorted).
        metainfo (dict, optional): E.g. ``dict(classes=('face', ))``.
        **kwargs: Passed to :class:`mmdet.datasets.BaseDetDataset` (``pipeline``,
            ``test_mode``, ...).
    """

    METAINFO = {'classes': ('object', )}

    def __init__(self, data_root: str, img_names: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        self.img_names = list(img_names) if img_names is not None else None
        super().__init__(data_root=resolve_project_path(data_root) or '', ann_file='',
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        """One item per image; a missing folder or file is an error naming it."""
        root = self.data_root
        if not osp.isdir(root):
            raise FileNotFoundError(f'{type(self).__name__}: image folder not found: {root}')
        if self.img_names is None:
            paths = list_images(root, recursive=False)
        else:
            paths = [osp.join(root, name) for name in self.img_names]
            missing = [p for p in paths if not osp.isfile(p)]
            if missing:
                raise FileNotFoundError(f'{type(self).__name__}: images not found: {missing}')
        return [dict(img_path=p, img_id=index, instances=[])
                for index, p in enumerate(paths, 1)]

    def filter_data(self) -> List[dict]:
        """Nothing is filtered (there are no annotations to filter by)."""
        return self.data_list
