"""``CheckedCocoDataset``: a COCO dataset that carries its split record and can drop bad images."""
import json
from typing import List, Sequence, Union

from mmdet.datasets import CocoDataset
from mmengine.fileio import get_local_path

from sdag_bench.utils.image_io import BadImageLog, ImageReadError, read_image

#: ``info`` fields of a converted json copied into the dataset's metainfo.
SPLIT_FIELDS = ('dataset', 'split', 'subset', 'seed', 'source')


class CheckedCocoDataset(CocoDataset):
    """CocoDataset for the converted real sets (ExDark, DARK FACE).

    The split record the converters write into the json's ``info`` (``split``, ``subset``,
    ``seed``, ...) is copied into ``metainfo['split_info']`` so that it travels with results.
    With ``skip_bad_images=True`` every image the dataset serves is decoded once when it is
    built and the unreadable ones are dropped and listed in :attr:`bad_images` (works in test
    mode, where a pipeline may not return None). With ``indices`` only the chosen images are
    decoded (a 12-photo subset of a 600-photo split does not read the other 588), and the
    indices count every image of the annotation file, readable or not.

    Args:
        *args: Passed to ``CocoDataset``.
        skip_bad_images (bool): Check and drop unreadable images up front. Defaults to False.
        **kwargs: Passed to ``CocoDataset``.
    """

    def __init__(self, *args, skip_bad_images: bool = False, **kwargs) -> None:
        self.skip_bad_images = skip_bad_images
        self.bad_images = BadImageLog()
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load the json; record its split ``info`` in the metainfo."""
        data_list = super().load_data_list()
        with get_local_path(self.ann_file, backend_args=self.backend_args) as local_path:
            with open(local_path) as f:
                info = json.load(f).get('info') or {}
        self._metainfo['split_info'] = {k: info[k] for k in SPLIT_FIELDS if k in info}
        return data_list

    def filter_data(self) -> List[dict]:
        """mmdet's filtering, then (optionally) drop images that cannot be decoded; with
        ``indices`` that check waits for the subset (:meth:`_get_unserialized_subset`)."""
        data_list = super().filter_data()
        if not self.skip_bad_images or self._indices is not None:
            return data_list
        return self._readable(data_list)

    def _get_unserialized_subset(self, indices: Union[Sequence[int], int]) -> List[dict]:
        """The ``indices`` subset, then (optionally) without the images that cannot be decoded."""
        subset = super()._get_unserialized_subset(indices)
        return self._readable(subset) if self.skip_bad_images else subset

    def _readable(self, data_list: List[dict]) -> List[dict]:
        """The images of ``data_list`` that decode; the others are logged in ``bad_images``."""
        kept = []
        for data_info in data_list:
            try:
                read_image(data_info['img_path'])
            except ImageReadError as err:
                self.bad_images.add(err)
                continue
            kept.append(data_info)
        return kept
