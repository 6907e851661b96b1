"""mmdet's ``SSDHead`` that can predict with mmdet 3.3.0.

mmdet 3.3.0's ``BaseDenseHead._predict_by_feat_single`` reads ``self.loss_cls``, which
``SSDHead`` never sets, so any SSD fails at test time with ``AttributeError: 'SSDHead' object
has no attribute 'loss_cls'`` (open-mmlab/mmdetection issues 11063, 11305, 11780; fix proposed
in pull request 11524). This subclass only defines the missing attribute; weights and outputs
are those of ``SSDHead``.
"""
from mmdet.models.dense_heads import SSDHead

from sdag_bench.registry import MODELS


@MODELS.register_module()
class SSDHeadCompat(SSDHead):
    """``SSDHead`` with ``loss_cls = None`` (SSD scores with a softmax, as before 3.3.0)."""

    loss_cls = None
