"""``CocoWithReferencesDataset``: a COCO detection set whose low-light images each have a
normal-light reference (same file name, another folder), for PSNR/SSIM."""
import os.path as osp
from typing import List, Optional, Union

from mmdet.datasets import CocoDataset


class CocoWithReferencesDataset(CocoDataset):
    """CocoDataset that stores each image's normal-light reference as ``ref_path``.

    The reference of ``<img prefix>/NAME`` is ``<data_root>/<ref_prefix>/NAME``;
    :class:`~sdag_bench.transforms.reference.LoadReferenceImage` reads it. Without
    ``ref_prefix`` the data infos carry no ``ref_path`` (PSNR/SSIM are then skipped).

    Args:
        *args: Passed to :class:`mmdet.datasets.CocoDataset`.
        ref_prefix (str, optional): Folder (relative to ``data_root``) of the references.
            Defaults to None.
        **kwargs: Passed to :class:`mmdet.datasets.CocoDataset`.
    """

    def __init__(self, *args, ref_prefix: Optional[str] = None, **kwargs) -> None:
        self.ref_prefix = ref_prefix  # set first: CocoDataset parses the json while built
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        """mmdet's parsing, plus ``ref_path`` when ``ref_prefix`` is set.

        Args:
            raw_data_info (dict): ``raw_ann_info`` and ``raw_img_info`` of one image.

        Returns:
            dict: The data info.
        """
        info = super().parse_data_info(raw_data_info)
        if self.ref_prefix is not None:
            info['ref_path'] = osp.join(self.data_root, self.ref_prefix,
                                        raw_data_info['raw_img_info']['file_name'])
        return info
