"""An enhancer's cost (parameters, FLOPs, ms per image), measured once per process."""
from typing import Any, Dict, Optional

import torch

from sdag_bench.metrics.cost import enhancer_cost, prefixed
from ..cells import CellSpec

#: Enhancer cost is a property of the enhancer alone: measured once per process and enhancer.
_COST_CACHE: Dict[tuple, Dict[str, Any]] = {}


def measure_enhancer_cost(cell: CellSpec, enhancer: torch.nn.Module,
                          cost_cfg: Optional[dict]) -> Dict[str, Any]:
    """Parameters, FLOPs and ms per image of the enhancer (``cost/...`` keys), cached."""
    if cost_cfg is None:
        return {}
    cfg = dict(input_size=(384, 512), warmup=1, repeats=3)
    cfg.update(cost_cfg)
    key = (cell.enhancer.config, cell.enhancer.checkpoint, repr(sorted(cfg.items())))
    if key not in _COST_CACHE:
        cost = enhancer_cost(enhancer, input_size=tuple(cfg['input_size']),
                             warmup=cfg['warmup'], repeats=cfg['repeats'])
        _COST_CACHE[key] = prefixed(cost)
    return dict(_COST_CACHE[key])


__all__ = ['measure_enhancer_cost']
