"""Subnormal weights in official checkpoints are set to zero when an enhancer is built frozen,
with the same output. What that saves depends on the CPU (tens of times on some, nothing on
others), so its timing is a benchmark: ``python bench/subnormal_weights.py``."""
from pathlib import Path

import torch

from sdag_bench.enhancers.builder import build_enhancer_from_config, load_enhancer_weights
from sdag_bench.enhancers.zero_dce import ZeroDCE

ROOT = Path(__file__).resolve().parents[2]
TINY = torch.finfo(torch.float32).tiny


def _subnormal_weights(tmp_path: Path) -> Path:
    """A Zero-DCE state dict with a quarter of its conv weights subnormal (as Epoch99)."""
    torch.manual_seed(0)
    state = ZeroDCE().state_dict()
    for key, value in state.items():
        if key.endswith('weight'):
            mask = torch.rand_like(value) < 0.25
            value[mask] = TINY * torch.rand_like(value[mask]) * 0.5
    path = tmp_path / 'subnormal_zerodce.pth'
    torch.save(state, path)
    return path


def test_frozen_enhancer_has_no_subnormal_weights_and_same_output(tmp_path: Path) -> None:
    path = _subnormal_weights(tmp_path)
    built = build_enhancer_from_config(ROOT / 'configs/enhancers/zerodce.py', str(path))
    for name, tensor in built.state_dict().items():
        assert not ((tensor != 0) & (tensor.abs() < TINY)).any(), name
    raw = load_enhancer_weights(ZeroDCE(), str(path)).eval()
    assert sum(int(((p != 0) & (p.abs() < TINY)).sum()) for p in raw.parameters()) > 1000
    x = torch.rand(1, 3, 48, 64) * 0.1  # a dark image
    with torch.no_grad():
        assert torch.equal(built(x), raw(x))
