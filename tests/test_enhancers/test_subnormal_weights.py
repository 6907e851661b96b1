"""Subnormal weights in official checkpoints are set to zero when an enhancer is built frozen,
with the same output. What that saves depends on the CPU (tens of times on some, nothing on
others), so its timing is a benchmark: ``python bench/subnormal_weights.py``."""
from pathlib import Path

import torch

from sdag_bench.enhancers.builder import build_enhancer_from_config, load_enhancer_weights
from sdag_bench.enhancers.zero_dce import ZeroDCE
from subnormal_checkpoint import write_subnormal_zerodce

ROOT = Path(__file__).resolve().parents[2]
TINY = torch.finfo(torch.float32).tiny


def test_frozen_enhancer_has_no_subnormal_weights_and_same_output(tmp_path: Path) -> None:
    path = write_subnormal_zerodce(tmp_path / 'subnormal_zerodce.pth')
    built = build_enhancer_from_config(ROOT / 'configs/enhancers/zerodce.py', str(path))
    for name, tensor in built.state_dict().items():
        assert not ((tensor != 0) & (tensor.abs() < TINY)).any(), name
    raw = load_enhancer_weights(ZeroDCE(), str(path)).eval()
    assert sum(int(((p != 0) & (p.abs() < TINY)).sum()) for p in raw.parameters()) > 1000
    x = torch.rand(1, 3, 48, 64) * 0.1  # a dark image
    with torch.no_grad():
        assert torch.equal(built(x), raw(x))
