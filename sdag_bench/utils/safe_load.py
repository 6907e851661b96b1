"""The one place the project opens files that could carry code: torch files, numpy files, pickles.

Nothing here unpickles an arbitrary object, whatever the file's name or origin:

- torch checkpoints: ``torch.load(..., weights_only=True)`` (tensors and plain containers), also
  for mmengine's own loading (``load_checkpoint``, ``Runner`` resume, ``init_detector``): the
  local-file scheme of mmengine's ``CheckpointLoader`` is replaced by :func:`load_torch_file`;
- numpy ``.npz`` / ``.npy``: ``np.load(..., allow_pickle=False)`` (:func:`load_npz`);
- pickled numpy data (an Ultralytics label cache): an unpickler that resolves numpy's array and
  scalar constructors and nothing else (:func:`unpickle_numpy`).

A refused file is a one-line error naming it. ``tests/test_reliability/test_attack_checkpoints.py``
checks that no other module of the package, the tools, the data tools or the benches calls
``torch.load``, ``np.load`` or ``pickle`` itself.
"""
import io
import os
import os.path as osp
import pickle
from typing import Any, Dict, Optional, Union

import numpy as np

#: numpy globals a pickled array or scalar needs (numpy 1.x and 2.x module names).
_NUMPY_GLOBALS = frozenset({
    ('numpy._core.multiarray', '_reconstruct'), ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', 'scalar'), ('numpy.core.multiarray', 'scalar'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'),
})


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, unsafe, truncated or does not fit the model."""


class UnsafeFileError(ValueError):
    """A numpy or pickle file holds something other than plain data (names the file)."""


def load_torch_file(path: str, map_location: Any = 'cpu') -> Any:
    """``torch.load(path, weights_only=True)`` with a one-line error naming the file.

    Args:
        path (str): Local file.
        map_location (Any): As for ``torch.load``. Defaults to 'cpu'.

    Returns:
        The loaded object (tensors and plain containers only).

    Raises:
        CheckpointError: Missing, unreadable, or holding objects that would run code when
            unpickled (the message says ``refusing``).
    """
    import torch
    if not osp.isfile(path):
        raise CheckpointError(f'checkpoint file not found: {path}')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises UnpicklingError, RuntimeError, EOFError ...
        text = str(err)
        reason = text.splitlines()[0] if text else type(err).__name__
        if 'weights_only' in text or 'Unsupported global' in text:
            reason = ('it holds objects other than tensors and plain containers; refusing to '
                      'unpickle it (weights_only=True). Re-save it as a plain state dict '
                      'from a trusted environment')
        raise CheckpointError(f'cannot load checkpoint {path}: {reason}') from err


def _mmengine_local_loader(filename: str, map_location: Any = None) -> Any:
    """mmengine's local-file checkpoint scheme, through :func:`load_torch_file`."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_torch_file(filename, map_location)


def install_mmengine_loader() -> None:
    """Make mmengine open local checkpoints through :func:`load_torch_file` (its ``''``
    scheme), so ``load_checkpoint``, a Runner's ``load_from`` / resume and mmdet's
    ``init_detector`` never unpickle code either. Done when ``sdag_bench.utils.checkpoint`` is
    imported (by ``register_all_modules`` and every tool that loads weights)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=_mmengine_local_loader, force=True)


def load_npz(source: Union[str, os.PathLike, bytes],
             name: Optional[str] = None) -> Dict[str, np.ndarray]:
    """Every array of an ``.npz`` (or the one array of an ``.npy``), ``allow_pickle=False``.

    Args:
        source (str | PathLike | bytes): File path, or the file's content.
        name (str, optional): The file's name in messages (for bytes). Defaults to the path.

    Returns:
        dict[str, np.ndarray]: Name -> array (``'arr'`` for an ``.npy``).

    Raises:
        UnsafeFileError: The file holds pickled objects (names the file).
        ValueError: Not a readable numpy file (names the file).
    """
    name = name or ('<bytes>' if isinstance(source, bytes) else os.fspath(source))
    stream = io.BytesIO(source) if isinstance(source, bytes) else name
    try:
        with np.load(stream, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except AttributeError:  # an .npy: np.load returned the array itself (no context manager)
        pass
    except ValueError as err:
        if 'allow_pickle' in str(err):
            raise UnsafeFileError(f'{name}: holds pickled objects; refusing to unpickle them '
                                  '(allow_pickle=False)') from None
        raise ValueError(f'{name}: not a readable numpy file ({err})') from None
    except (OSError, EOFError, KeyError) as err:
        raise ValueError(f'{name}: not a readable numpy file ({err})') from None
    stream = io.BytesIO(source) if isinstance(source, bytes) else name
    try:
        return dict(arr=np.load(stream, allow_pickle=False))
    except ValueError as err:
        raise UnsafeFileError(f'{name}: holds pickled objects; refusing to unpickle them '
                              f'(allow_pickle=False): {err}') from None


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that resolves numpy's array/scalar constructors and nothing else."""

    def find_class(self, module: str, name: str):
        if (module, name) in _NUMPY_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f'global {module}.{name} is not allowed')


def unpickle_numpy(data: bytes, source: str = '<bytes>') -> Any:
    """Unpickle numpy arrays, scalars and plain containers; refuse every other global.

    Args:
        data (bytes): The pickle stream.
        source (str): Name for error messages. Defaults to ``'<bytes>'``.

    Returns:
        The object (numpy arrays, scalars, dicts, lists, str, numbers).

    Raises:
        UnsafeFileError: The stream names another global (it could run code) or is damaged.
    """
    try:
        return _NumpyOnlyUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError) as err:
        raise UnsafeFileError(f'{source}: refused or unreadable pickle ({err})') from None
