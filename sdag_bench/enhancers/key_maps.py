"""Key maps from official checkpoints to our modules' state dicts (used next to each model)."""
import re
from typing import Callable, Dict, Iterable, Mapping, Tuple, Union

from torch import Tensor

#: ``(regex, replacement)``; the replacement is a string or a function of the match.
Rule = Tuple[str, Union[str, Callable[['re.Match'], str]]]


def rename_keys(state_dict: Mapping[str, Tensor], rules: Iterable[Rule]) -> Dict[str, Tensor]:
    """Rename keys with the first matching rule each.

    Keys no rule matches pass through unchanged, so strict loading names them as unexpected.

    Args:
        state_dict (Mapping[str, Tensor]): Official parameters.
        rules (Iterable[Rule]): ``(regex, replacement)`` pairs, tried in order.

    Returns:
        dict[str, Tensor]: The renamed state dict (same tensors).
    """
    rules = tuple(rules)
    out = {}
    for key, value in state_dict.items():
        for pattern, repl in rules:
            new, n = re.subn(pattern, repl, key)
            if n:
                key = new
                break
        out[key] = value
    return out
