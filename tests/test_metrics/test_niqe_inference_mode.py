"""NIQE reuses its buffers between calls: a call under ``torch.inference_mode`` (the benchmark)
followed by one outside it (``tools/look.py``, a script) must both work and agree."""
import torch

from sdag_bench.metrics.niqe import niqe


def test_niqe_inside_then_outside_inference_mode():
    image = torch.rand(1, 3, 200, 200, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        inside = float(niqe(image)[0])
    outside = float(niqe(image)[0])
    assert inside == outside
