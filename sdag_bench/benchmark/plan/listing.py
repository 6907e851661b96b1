"""``tools/benchmark.py --list``: what a benchmark config offers, with labels."""
import os.path as osp
from typing import List

from mmengine.config import Config

from sdag_bench.utils.paths import resolve_project_path
from .planner import discover_enhancers


def list_benchmark(bench_cfg: Config) -> List[str]:
    """Lines naming the enhancers, datasets and detectors of a benchmark config.

    Discovery reads enhancer configs statically (nothing runs, no weights are loaded); rows
    whose checkpoint file is missing are marked.

    Args:
        bench_cfg (Config): A benchmark config.

    Returns:
        list[str]: Printable lines.
    """
    lines = [f'benchmark {bench_cfg.benchmark}', 'enhancers:']
    enhancers = discover_enhancers(bench_cfg.enhancer_dirs, bench_cfg.get('official_suffix'))
    for name, spec in enhancers.items():
        notes = [spec.label or '']
        if spec.base:
            notes.append(f'guided version of {spec.base}')
        if spec.checkpoint and not osp.isfile(spec.checkpoint):
            notes.append('checkpoint missing')
        lines.append(f'  {name:<28} {"; ".join(n for n in notes if n)}'.rstrip())
    lines.append('datasets:')
    for name, entry in bench_cfg.datasets.items():
        upper = entry.get('upper_bound')
        extra = f"; upper bound row {upper['name']} ({upper.get('label', '')})" if upper else ''
        lines.append(f"  {name:<28} {entry['config']} (split {entry.get('split', 'test')})"
                     f'{extra}')
    lines.append('detectors:')
    for name, entry in bench_cfg.detectors.items():
        weights = entry.get('checkpoint')
        state = '' if not weights else (
            f', weights {weights}' + ('' if resolve_project_path(weights) and
                                      osp.isfile(resolve_project_path(weights)) else ' (missing)'))
        lines.append(f"  {name:<28} {entry['config']}{state}")
    return lines
