"""Runner checkpoints that load with ``torch.load(..., weights_only=True)``: ``--resume`` works.

mmengine's Runner stores its message hub in the checkpoint as ``HistoryBuffer`` objects (numpy
arrays inside) plus numpy scalars (e.g. ``eta``). Since torch 2.6, ``torch.load`` refuses them
by default, so ``Runner.resume`` fails on the project's own checkpoints. Allow-listing them is
not an option: numpy scalars unpickle through ``getattr``, which would let any file run code.

:class:`WeightsOnlyCheckpointHook` instead writes those entries as tensors and plain containers
(``before_save_checkpoint``) and rebuilds them after loading (``after_load_checkpoint``). The
loader stays ``weights_only=True``: a checkpoint from elsewhere still cannot run code.

=====================  ==========================================================
object in checkpoint   stored as
=====================  ==========================================================
``HistoryBuffer``      ``{'__plain_type__': 'HistoryBuffer', 'max_length': int,
                       'log_history': Tensor, 'count_history': Tensor}``
``np.ndarray``         ``{'__plain_type__': 'ndarray', 'data': Tensor}`` (same dtype)
numpy scalar           the Python scalar (``.item()``)
=====================  ==========================================================
"""
from collections import OrderedDict
from typing import Any, Callable, List

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer, print_log

from sdag_bench.registry import HOOKS

#: Key that marks a dict as the plain form of a non-plain object.
PLAIN_TYPE_KEY = '__plain_type__'
_PLAIN_LEAVES = (str, bytes, int, float, bool, complex, type(None), torch.Tensor, torch.Size,
                 torch.dtype, torch.device)


def _array_to_tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array)).clone()


def _rebuild(obj: Any, convert: Callable[[Any], Any]) -> Any:
    """Apply ``convert`` to the items of a dict, list or tuple; return ``obj`` itself (with any
    attributes such as a state dict's ``_metadata``) when no item changes."""
    if isinstance(obj, dict):
        items = [(key, convert(value)) for key, value in obj.items()]
        if all(new is old for (_, new), old in zip(items, obj.values())):
            return obj
        rebuilt = type(obj)() if type(obj) in (dict, OrderedDict) else {}
        rebuilt.update(items)
        return rebuilt
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        items = [convert(value) for value in obj]
        if all(new is old for new, old in zip(items, obj)):
            return obj
        return type(obj)(items)
    return obj


def to_plain(obj: Any) -> Any:
    """Return ``obj`` with message-hub buffers and numpy values in weights-only form.

    Args:
        obj (Any): A checkpoint (or any part of it).

    Returns:
        Any: The same structure, containers rebuilt only where an item changed.
    """
    if isinstance(obj, HistoryBuffer):
        log_history, count_history = obj.data
        return {PLAIN_TYPE_KEY: 'HistoryBuffer', 'max_length': int(obj.max_length),
                'log_history': _array_to_tensor(log_history),
                'count_history': _array_to_tensor(count_history)}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in 'biufc':  # strings, objects: no tensor dtype
            return to_plain(obj.tolist())
        return {PLAIN_TYPE_KEY: 'ndarray', 'data': _array_to_tensor(obj)}
    if isinstance(obj, np.generic):
        return obj.item()
    return _rebuild(obj, to_plain)


def from_plain(obj: Any) -> Any:
    """Undo :func:`to_plain`: rebuild ``HistoryBuffer`` objects and numpy arrays.

    Args:
        obj (Any): What ``torch.load(..., weights_only=True)`` returned (or a part of it).

    Returns:
        Any: The structure with plain-form entries turned back into their objects.
    """
    if isinstance(obj, dict):
        kind = obj.get(PLAIN_TYPE_KEY)
        if kind == 'HistoryBuffer':
            return HistoryBuffer(obj['log_history'].numpy(), obj['count_history'].numpy(),
                                 obj['max_length'])
        if kind == 'ndarray':
            return obj['data'].numpy()
    return _rebuild(obj, from_plain)


def non_plain_entries(obj: Any, path: str = '') -> List[str]:
    """List the entries ``torch.load(..., weights_only=True)`` would refuse.

    Args:
        obj (Any): A checkpoint (after :func:`to_plain`).
        path (str): Prefix of the reported entry names. Defaults to ''.

    Returns:
        list[str]: ``'path/to/entry (TypeName)'`` per refused leaf.
    """
    if isinstance(obj, dict):
        return [entry for key, value in obj.items()
                for entry in non_plain_entries(value, f'{path}/{key}' if path else str(key))]
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return [entry for idx, value in enumerate(obj)
                for entry in non_plain_entries(value, f'{path}/{idx}')]
    if isinstance(obj, _PLAIN_LEAVES):
        return []
    return [f'{path} ({type(obj).__name__})']


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Save Runner checkpoints in a form ``torch.load(..., weights_only=True)`` accepts.

    Runs last when a checkpoint is saved (after hooks that add entries) and restores the
    message hub's buffers when one is loaded, so ``Runner.resume`` (``tools/train.py --resume``)
    continues a killed or finished run. ``tools/train.py`` adds this hook to every config.
    Entries that would still be refused are named in a warning when the checkpoint is saved.
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Convert the checkpoint in place to tensors and plain containers."""
        for key in list(checkpoint):
            checkpoint[key] = to_plain(checkpoint[key])
        refused = non_plain_entries(checkpoint)
        if refused:
            print_log('this checkpoint will not load with weights_only=True (resume will refuse '
                      f'it): {", ".join(refused[:5])}', logger='current', level=30)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rebuild the message hub's ``HistoryBuffer`` objects and numpy arrays in place."""
        for key in list(checkpoint):
            checkpoint[key] = from_plain(checkpoint[key])
