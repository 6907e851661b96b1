"""``DarkFaceDataset``: DARK FACE in COCO json form (made by ``data_tools/darkface_to_coco.py``)."""
from sdag_bench.datasets.checked_coco import CheckedCocoDataset
from sdag_bench.datasets.converters.darkface import DARKFACE_CLASSES
from sdag_bench.registry import DATASETS


@DATASETS.register_module()
class DarkFaceDataset(CheckedCocoDataset):
    """DARK FACE: faces in night-time photos, one class ``face``.

    See :class:`CheckedCocoDataset` for ``skip_bad_images`` and ``metainfo['split_info']``.
    """

    METAINFO = {'classes': DARKFACE_CLASSES, 'palette': [(220, 20, 60)]}
