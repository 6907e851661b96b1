"""Count images on which a frozen detector produced non-finite (NaN/Inf) outputs.

A detector with NaN weights does not return NaN boxes: its score threshold (``score > thr``)
is False for NaN, so every prediction is dropped and the cell would read AP 0.000 like a
detector that merely found nothing. :class:`NonFiniteOutputCounter` therefore watches the raw
head outputs too (forward hooks on the detector's heads) as well as the final boxes and scores,
and counts, per image, whether any of them was not finite. The benchmark stores the count in
the cell (``nonfinite_predictions``) and the leaderboard marks such rows.
"""
from typing import Any, Iterable, List, Optional

import torch
from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from torch import nn


def _tensors(obj: Any) -> Iterable[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


def nonfinite_per_image(outputs: Any, batch_size: int) -> torch.Tensor:
    """Which images of a batch have a non-finite value in a dense head's outputs.

    Args:
        outputs (Any): Tensors (nested in lists/tuples/dicts) with the batch as dim 0.
        batch_size (int): Number of images.

    Returns:
        torch.Tensor: ``bool`` of shape ``(batch_size, )``.
    """
    flags = torch.zeros(batch_size, dtype=torch.bool)
    for tensor in _tensors(outputs):
        if tensor.is_floating_point() and tensor.dim() and tensor.shape[0] == batch_size:
            flags |= (~torch.isfinite(tensor.detach())).flatten(1).any(1).cpu() \
                if tensor.dim() > 1 else ~torch.isfinite(tensor.detach()).cpu()
        elif tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            flags[:] = True  # no batch axis (e.g. per-RoI outputs): the whole batch
    return flags


def prediction_is_nonfinite(sample: Any) -> bool:
    """Whether a predicted ``DetDataSample`` holds a non-finite box or score."""
    pred = getattr(sample, 'pred_instances', None)
    if pred is None:
        return False
    return any(key in pred and pred.get(key).numel() and
               not bool(torch.isfinite(pred.get(key)).all()) for key in ('bboxes', 'scores'))


def detector_heads(detector: nn.Module) -> List[nn.Module]:
    """The prediction heads of an mmdet detector: dense heads and RoI box heads."""
    return [m for m in detector.modules()
            if isinstance(m, BaseDenseHead) or hasattr(m, 'predict_by_feat')]


class NonFiniteOutputCounter:
    """Count images with non-finite head outputs or predictions, batch after batch.

    Args:
        detector (nn.Module): The detector (its heads get forward hooks until :meth:`remove`).

    Example:
        >>> counter = NonFiniteOutputCounter(detector)
        >>> outputs = detector.test_step(batch)
        >>> counter.update(outputs)   # images of this batch with NaN/Inf outputs
    """

    def __init__(self, detector: nn.Module) -> None:
        self.count = 0
        self._raw: Optional[List[Any]] = []
        self._handles = [head.register_forward_hook(self._record)
                         for head in detector_heads(detector)]

    def _record(self, module: nn.Module, args: Any, output: Any) -> None:
        self._raw.append(output)

    def update(self, samples: List[Any]) -> int:
        """Add the images of the batch just predicted that had non-finite outputs.

        Args:
            samples (list[DetDataSample]): The detector's predictions for the batch.

        Returns:
            int: Images of this batch flagged.
        """
        flags = torch.tensor([prediction_is_nonfinite(s) for s in samples], dtype=torch.bool)
        for output in self._raw:
            flags |= nonfinite_per_image(output, len(samples))
        self._raw = []
        flagged = int(flags.sum())
        self.count += flagged
        return flagged

    def remove(self) -> None:
        """Remove the forward hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
