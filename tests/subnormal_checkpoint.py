"""A Zero-DCE checkpoint with subnormal weights, as the official ``Epoch99.pth`` holds (used by
``tests/test_enhancers/test_subnormal_weights.py`` and ``bench/subnormal_weights.py``)."""
from pathlib import Path

import torch

from sdag_bench.enhancers.zero_dce import ZeroDCE


def write_subnormal_zerodce(path: Path, fraction: float = 0.25) -> Path:
    """Save a seeded Zero-DCE state dict with ``fraction`` of its conv weights subnormal.

    Args:
        path (Path): Where to save it.
        fraction (float): Share of each weight tensor set to subnormal values.

    Returns:
        Path: ``path``.
    """
    tiny = torch.finfo(torch.float32).tiny
    torch.manual_seed(0)
    state = ZeroDCE().state_dict()
    for key, value in state.items():
        if key.endswith('weight'):
            mask = torch.rand_like(value) < fraction
            value[mask] = tiny * torch.rand_like(value[mask]) * 0.5
    torch.save(state, path)
    return path
