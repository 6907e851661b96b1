"""Detectors whose output classes are fixed by construction name them in ``dataset_meta``."""
from typing import Tuple


class DeclaredClassesMixin:
    """``dataset_meta['classes']`` is always :attr:`declared_classes`.

    mmdet's ``init_detector`` and ``DetInferencer`` set ``model.dataset_meta`` from a
    checkpoint's meta, or fall back to COCO's 80 names when the checkpoint has none (converted
    official weights, plain state dicts). A detector that knows its classes (a label-mapped
    COCO detector predicts the target classes; a face detector predicts faces) keeps them:
    every other key (``palette``, ...) is taken as set. Mix in before ``nn.Module``.
    """
    #: Names of the predicted labels 0, 1, ...; set in ``__init__``.
    declared_classes: Tuple[str, ...] = ()

    @property
    def dataset_meta(self) -> dict:
        """Meta information of the predictions; ``classes`` are :attr:`declared_classes`."""
        meta = self.__dict__.get('_dataset_meta')
        if meta is None:
            meta = self.__dict__['_dataset_meta'] = dict(classes=tuple(self.declared_classes))
        return meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        self.__dict__['_dataset_meta'] = dict(meta, classes=tuple(self.declared_classes))
