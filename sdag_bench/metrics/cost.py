"""Cost of an enhancer alone: parameters, FLOPs (mmengine.analysis) and milliseconds per image.

FLOPs follow mmengine's ``FlopAnalyzer`` (the fvcore convention): one fused multiply-add counts as
one FLOP, for convolutions, linear layers, matrix products, normalisation and interpolation;
element-wise arithmetic (e.g. Zero-DCE's curve iterations) is not counted. The input is one RGB
image of the given size.
"""
import statistics
import time
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.analysis import FlopAnalyzer
from torch import Tensor, nn

from .threads import torch_threads


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (shared tensors counted once).

    Args:
        model (nn.Module): Any module.
        trainable_only (bool): Count only those with ``requires_grad``. Defaults to False.

    Returns:
        int: Parameter count.
    """
    params = {id(p): p for p in model.parameters()
              if p.requires_grad or not trainable_only}
    return sum(p.numel() for p in params.values())


def _example_input(model: nn.Module, input_shape: Sequence[int],
                   device: Union[str, torch.device, None]) -> Tensor:
    """A deterministic image batch in [0, 1] on ``device`` (default: the model's device)."""
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else 'cpu'
    generator = torch.Generator().manual_seed(0)
    return torch.rand(tuple(input_shape), generator=generator).to(device)


def count_flops(model: nn.Module, input_shape: Sequence[int] = (1, 3, 512, 512),
                device: Union[str, torch.device, None] = None) -> Tuple[int, Dict[str, int]]:
    """FLOPs of one forward pass, as mmengine's ``FlopAnalyzer`` counts them.

    Args:
        model (nn.Module): The module; called as ``model(x)``.
        input_shape (Sequence[int]): Shape of ``x``. Defaults to (1, 3, 512, 512).
        device (str | torch.device, optional): Where to run; defaults to the model's device.

    Returns:
        tuple: ``(total FLOPs, {operator: number of calls not counted})``.
    """
    x = _example_input(model, input_shape, device)
    was_training = model.training
    model.eval()
    try:
        analyzer = FlopAnalyzer(model, (x,))
        analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        total = int(analyzer.total())
        skipped = dict(analyzer.unsupported_ops())
    finally:
        model.train(was_training)
    return total, skipped


def time_per_image(model: nn.Module, input_shape: Sequence[int] = (1, 3, 512, 512),
                   device: Union[str, torch.device, None] = None, warmup: int = 3,
                   repeats: int = 10, num_threads: Optional[int] = None) -> Dict[str, float]:
    """Wall-clock milliseconds per image of ``model(x)`` under ``torch.inference_mode``.

    Args:
        model (nn.Module): The module (put in eval mode for the measurement).
        input_shape (Sequence[int]): Batch shape; the time is divided by its first entry.
            Defaults to (1, 3, 512, 512).
        device (str | torch.device, optional): Defaults to the model's device.
        warmup (int): Untimed calls first. Defaults to 3.
        repeats (int): Timed calls; their median is reported. Defaults to 10.
        num_threads (int, optional): CPU intra-op threads during the measurement (restored
            afterwards); None keeps torch's setting. Defaults to None.

    Returns:
        dict: ``ms_per_image`` (median), ``ms_per_image_min``, ``repeats``, ``threads``.
    """
    if repeats < 1:
        raise ValueError(f'repeats must be >= 1, got {repeats}')
    x = _example_input(model, input_shape, device)
    sync = torch.cuda.synchronize if x.device.type == 'cuda' else (lambda: None)
    was_training = model.training
    model.eval()
    times = []
    try:
        with torch.inference_mode(), torch_threads(num_threads):
            for _ in range(warmup):
                model(x)
            sync()
            for _ in range(repeats):
                start = time.perf_counter()
                model(x)
                sync()
                times.append((time.perf_counter() - start) * 1e3 / x.shape[0])
            threads = torch.get_num_threads()
    finally:
        model.train(was_training)
    return dict(ms_per_image=statistics.median(times), ms_per_image_min=min(times),
                repeats=repeats, threads=threads)


def enhancer_cost(model: nn.Module, input_size: Tuple[int, int] = (512, 512),
                  device: Union[str, torch.device, None] = None, warmup: int = 3,
                  repeats: int = 10, batch_size: int = 1, measure_time: bool = True,
                  num_threads: Optional[int] = None) -> Dict[str, Any]:
    """The cost columns of the leaderboard for one enhancer.

    Args:
        model (nn.Module): Enhancer mapping ``(N, 3, H, W)`` RGB in [0, 1] to the same shape.
        input_size (tuple[int, int]): ``(H, W)`` of the measured image. Defaults to (512, 512).
        device (str | torch.device, optional): Defaults to the model's device.
        warmup (int): Untimed calls. Defaults to 3.
        repeats (int): Timed calls (median reported). Defaults to 10.
        batch_size (int): Images per timed call. Defaults to 1.
        measure_time (bool): Skip the timing when False. Defaults to True.
        num_threads (int, optional): CPU threads while timing; None keeps torch's setting.

    Returns:
        dict: ``params``, ``flops`` (per image), ``gflops``, ``ms_per_image`` (when timed),
        ``input_size``, ``device``, ``threads`` and ``uncounted_ops`` (operators FlopAnalyzer
        does not count).
    """
    h, w = input_size
    flops, skipped = count_flops(model, (1, 3, h, w), device)
    result: Dict[str, Any] = dict(params=count_parameters(model), flops=flops,
                                  gflops=flops / 1e9, input_size=[h, w],
                                  uncounted_ops=skipped)
    first = next(model.parameters(), None)
    result['device'] = str(device or (first.device if first is not None else 'cpu'))
    if measure_time:
        timing = time_per_image(model, (batch_size, 3, h, w), device, warmup, repeats,
                                num_threads)
        result.update(ms_per_image=timing['ms_per_image'], threads=timing['threads'])
    return result


def prefixed(cost: Dict[str, Any], prefix: Optional[str] = 'cost') -> Dict[str, Any]:
    """Keys as the result store names them, e.g. ``cost/params``.

    Args:
        cost (dict): From :func:`enhancer_cost`.
        prefix (str, optional): Defaults to 'cost'; None keeps the keys.

    Returns:
        dict: The numeric entries (``params``, ``flops``, ``gflops``, ``ms_per_image``) prefixed.
    """
    keys = ('params', 'flops', 'gflops', 'ms_per_image')
    return {(f'{prefix}/{k}' if prefix else k): cost[k] for k in keys if k in cost}
