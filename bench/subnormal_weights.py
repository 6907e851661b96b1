"""Subnormal weights: what flushing them to zero saves on this CPU.

Builds Zero-DCE twice from one checkpoint (by default a Zero-DCE state dict with a quarter of its
conv weights subnormal, as the official ``Epoch99.pth``; ``--checkpoint`` takes a real one): as
the benchmark builds a frozen enhancer (subnormals set to zero) and loaded as is. Times both on the
same dark image, alternating them so both see the same machine load, keeps the best of
``--repeats``, and prints the ratio and whether the outputs are bitwise equal.

How much subnormals cost depends on the CPU: some flush them in hardware or in their vector
units' mode (ratio near 1), others take a slow path per subnormal operand (this project's 2-core
AMD EPYC: tens of times slower). That is why this is a benchmark and not a test.

Example::

    python bench/subnormal_weights.py
    python bench/subnormal_weights.py --checkpoint checkpoints/official/zerodce_epoch99.pth
"""
import argparse
import copy
import importlib.util
import tempfile
import time
from pathlib import Path
from typing import Callable

import torch

from sdag_bench.enhancers.builder import (build_enhancer_from_config, flush_subnormal_,
                                          load_enhancer_weights)
from sdag_bench.enhancers.zero_dce import ZeroDCE

ROOT = Path(__file__).resolve().parents[1]


def load_checkpoint_writer():
    """``write_subnormal_zerodce`` of ``tests/subnormal_checkpoint.py``, imported by path."""
    path = ROOT / 'tests' / 'subnormal_checkpoint.py'
    spec = importlib.util.spec_from_file_location('subnormal_checkpoint', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_subnormal_zerodce


def count_subnormal(module: torch.nn.Module) -> int:
    """Number of subnormal values in ``module``: what :func:`flush_subnormal_` would zero."""
    return flush_subnormal_(copy.deepcopy(module))


def time_once(module: Callable, x: torch.Tensor) -> float:
    """Seconds for one forward pass without autograd."""
    with torch.no_grad():
        start = time.perf_counter()
        module(x)
        return time.perf_counter() - start


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--checkpoint', type=Path, default=None,
                        help='a Zero-DCE checkpoint (default: a synthetic one with subnormals)')
    parser.add_argument('--size', type=int, nargs=2, default=(256, 320), metavar=('H', 'W'))
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = args.checkpoint or load_checkpoint_writer()(Path(tmp) / 'zerodce.pth')
        flushed = build_enhancer_from_config(ROOT / 'configs/enhancers/zerodce.py',
                                             str(checkpoint))
        raw = load_enhancer_weights(ZeroDCE(), str(checkpoint)).eval()
    torch.manual_seed(1)
    x = torch.rand(1, 3, *args.size) * 0.1  # a dark image
    time_once(flushed, x)  # warm-up: allocator, kernels
    times = dict(raw=[], flushed=[])
    for _ in range(args.repeats):
        times['raw'].append(time_once(raw, x))
        times['flushed'].append(time_once(flushed, x))
    with torch.no_grad():
        same = torch.equal(flushed(x), raw(x))
    best = {name: min(values) for name, values in times.items()}
    print(f'Zero-DCE on a {args.size[0]} x {args.size[1]} image '
          f'(torch {torch.__version__}, {torch.get_num_threads()} threads; best of {args.repeats})')
    print(f'  subnormal weights : {count_subnormal(raw)} as loaded, '
          f'{count_subnormal(flushed)} as the benchmark builds it')
    print(f'  as loaded         : {best["raw"] * 1e3:9.1f} ms')
    print(f'  flushed           : {best["flushed"] * 1e3:9.1f} ms')
    print(f'  ratio             : {best["raw"] / best["flushed"]:.1f}x; '
          f'outputs bitwise equal: {same}')


if __name__ == '__main__':
    main()
