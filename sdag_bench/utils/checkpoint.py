"""Safe checkpoint loading: ``weights_only=True`` always, clear errors always.

Every checkpoint (official weights, user paths, the project's own training checkpoints) is
opened by :func:`sdag_bench.utils.safe_load.load_torch_file`, ``torch.load(...,
weights_only=True)``, which refuses pickles that could run code, whatever the file is called.
Importing this module also routes mmengine's own local checkpoint loading through it.
"""
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Sequence

from torch import Tensor, nn

from sdag_bench.utils.paths import resolve_project_path
from sdag_bench.utils.safe_load import CheckpointError, install_mmengine_loader, load_torch_file

install_mmengine_loader()


def load_checkpoint_file(path: str) -> dict:
    """Load a checkpoint file safely (tensors and plain containers only).

    Args:
        path (str): Local file path (relative paths missing from the working directory are
            tried from the project root).

    Returns:
        dict: The unpickled object (a mapping).

    Raises:
        CheckpointError: If the file is missing, unsafe (would run code) or unreadable.
    """
    path = resolve_project_path(path)
    obj = load_torch_file(path)
    if not isinstance(obj, Mapping):
        raise CheckpointError(f'checkpoint {path} holds a {type(obj).__name__}, not a dict')
    return obj


def extract_state_dict(obj: Mapping, path: str,
                       keys: Sequence[str] = ('state_dict', 'params_ema', 'params',
                                              'model')) -> Dict[str, Tensor]:
    """Find the state dict inside a loaded checkpoint.

    Args:
        obj (Mapping): What :func:`load_checkpoint_file` returned.
        path (str): The file it came from (for error messages).
        keys (Sequence[str]): Wrapper keys to look for, in order. Defaults to the usual ones.

    Returns:
        dict[str, Tensor]: The state dict, with a ``module.`` prefix (DataParallel) removed.
    """
    for key in keys:
        if key in obj and isinstance(obj[key], Mapping):
            obj = obj[key]
            break
    state = OrderedDict()
    for name, value in obj.items():
        if not isinstance(value, Tensor):
            raise CheckpointError(f'checkpoint {path}: entry {name!r} is not a tensor')
        state[name[7:] if name.startswith('module.') else name] = value
    return state


def load_state_dict_strict(module: nn.Module, state_dict: Mapping[str, Tensor],
                           source: str) -> None:
    """Load a state dict with ``strict=True`` and a readable error on any mismatch.

    Args:
        module (nn.Module): The model to fill.
        state_dict (Mapping[str, Tensor]): Parameters and buffers.
        source (str): Where they came from (file path), named in the error.

    Raises:
        CheckpointError: Naming missing, unexpected and wrongly shaped keys.
    """
    own = module.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    shapes = sorted(f'{k}: checkpoint {tuple(state_dict[k].shape)} vs model {tuple(own[k].shape)}'
                    for k in set(own) & set(state_dict) if own[k].shape != state_dict[k].shape)
    if missing or unexpected or shapes:
        def show(items: list) -> str:
            return ', '.join(items[:8]) + (f' (+{len(items) - 8} more)' if len(items) > 8 else '')
        parts = [f'checkpoint {source} does not fit {type(module).__name__}:']
        if missing:
            parts.append(f'missing keys: {show(missing)}')
        if unexpected:
            parts.append(f'unexpected keys: {show(unexpected)}')
        if shapes:
            parts.append(f'shape mismatch: {show(shapes)}')
        raise CheckpointError('\n  '.join(parts))
    module.load_state_dict(state_dict, strict=True)


def load_weights(module: nn.Module, path: str, key: Optional[str] = None) -> nn.Module:
    """Load a plain state-dict checkpoint into ``module`` safely and strictly.

    Args:
        module (nn.Module): The model to fill.
        path (str): Checkpoint path.
        key (str, optional): Wrapper key holding the state dict. Defaults to auto-detection.

    Returns:
        nn.Module: ``module`` itself.
    """
    obj = load_checkpoint_file(path)
    state = extract_state_dict(obj, path, keys=(key, ) if key else
                               ('state_dict', 'params_ema', 'params', 'model'))
    load_state_dict_strict(module, state, path)
    return module
