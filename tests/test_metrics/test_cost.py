"""Enhancer cost: parameters, FLOPs (mmengine.analysis) and timing."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from sdag_bench.metrics.cost import (count_flops, count_parameters, enhancer_cost, prefixed,
                                     time_per_image)


class TinyEnhancer(nn.Module):
    """conv3x3(3->8) + ReLU + conv1x1(8->3) + a residual curve: a known architecture."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 3, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = torch.tanh(self.conv2(torch.relu(self.conv1(x))))
        return (x + r * (x * x - x)).clamp(0, 1)


def test_parameter_count_is_exact():
    model = TinyEnhancer()
    assert count_parameters(model) == (8 * 3 * 3 * 3 + 8) + 3 * 8
    model.conv1.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == 3 * 8
    shared = nn.Sequential(model.conv2, model.conv2)  # one tensor used twice counts once
    assert count_parameters(shared) == 24


def test_flops_of_a_single_conv_are_exact():
    flops, skipped = count_flops(nn.Conv2d(3, 16, 3, padding=1), (1, 3, 32, 48))
    assert flops == 16 * 32 * 48 * 3 * 3 * 3  # one multiply-add per weight and output pixel
    assert skipped == {}
    flops2, _ = count_flops(nn.Conv2d(3, 16, 3, padding=1), (2, 3, 32, 48))
    assert flops2 == 2 * flops


def test_enhancer_cost_dict():
    model = TinyEnhancer().train()
    cost = enhancer_cost(model, (64, 80), warmup=1, repeats=3, num_threads=1)
    assert cost['params'] == 248
    assert cost['flops'] == 64 * 80 * (8 * 27 + 3 * 8)
    assert cost['gflops'] == pytest.approx(cost['flops'] / 1e9)
    assert cost['ms_per_image'] > 0 and cost['threads'] == 1
    assert 'aten::tanh' in cost['uncounted_ops']  # element-wise ops are not FLOPs here
    assert model.training  # mode restored
    assert prefixed(cost) == {'cost/params': 248, 'cost/flops': cost['flops'],
                              'cost/gflops': cost['gflops'],
                              'cost/ms_per_image': cost['ms_per_image']}
    no_time = enhancer_cost(model, (16, 16), measure_time=False)
    assert 'ms_per_image' not in no_time


def test_timing_is_the_median_per_image(monkeypatch):
    """The timed calls take 4, 1, 100, 2 and 3 ms (a clock the module itself advances) on a
    batch of 4: the median per image is 0.75 ms (a mean would be 5.5), the fastest 0.25 ms;
    the two warm-up calls (500 ms each) are not timed."""
    clock = [0.0]
    durations = iter([0.5, 0.5, 0.004, 0.001, 0.100, 0.002, 0.003])
    calls = []

    class Ticking(nn.Module):

        def forward(self, x):
            calls.append(torch.is_inference_mode_enabled())
            clock[0] += next(durations)
            return x

    monkeypatch.setattr('sdag_bench.metrics.cost.time', SimpleNamespace(
        perf_counter=lambda: clock[0]))
    timing = time_per_image(Ticking(), (4, 3, 8, 8), warmup=2, repeats=5)
    assert len(calls) == 7 and all(calls)
    assert timing['ms_per_image'] == pytest.approx(0.75)
    assert timing['ms_per_image_min'] == pytest.approx(0.25)
    assert timing['repeats'] == 5
    with pytest.raises(ValueError, match='repeats'):
        time_per_image(Ticking(), repeats=0)
