"""``ExDarkDataset``: ExDark in COCO json form (made by ``data_tools/exdark_to_coco.py``)."""
from sdag_bench.datasets.checked_coco import CheckedCocoDataset
from sdag_bench.datasets.converters.exdark import EXDARK_CLASSES
from sdag_bench.registry import DATASETS


@DATASETS.register_module()
class ExDarkDataset(CheckedCocoDataset):
    """The Exclusively Dark dataset: 12 classes, low-light photos.

    Classes are matched to the json's categories by name, in the ExDark order Bicycle ... Table.
    See :class:`CheckedCocoDataset` for ``skip_bad_images`` and ``metainfo['split_info']``.
    """

    METAINFO = {
        'classes': EXDARK_CLASSES,
        'palette': [(119, 11, 32), (0, 0, 230), (106, 0, 228), (0, 60, 100), (0, 0, 142),
                    (255, 77, 255), (153, 69, 1), (120, 166, 157), (0, 182, 199),
                    (0, 0, 70), (220, 20, 60), (209, 0, 151)],
    }
