"""tools/benchmark.py habits: ``--list``, ``--device auto`` (the default) and the overall
progress bar over cells (elapsed time and ETA) beside the per-cell bar over images."""
import contextlib
import io
import os
import re

import torch

from small_bench import PROJECT_ROOT, benchmark_cmd, make_small_bench, run_benchmark
from tools.benchmark import main


def test_list_names_enhancers_datasets_detectors_with_labels(tmp_path):
    result = run_benchmark('demo', tmp_path / 'w', 'all', '--list')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    sections = [line for line in lines if not line.startswith(' ')]
    assert sections == ['benchmark demo', 'enhancers:', 'datasets:', 'detectors:']
    enhancers = lines[2:lines.index('datasets:')]
    names = [line.split()[0] for line in enhancers]
    assert {'identity', 'gamma', 'zerodce', 'zerodce_sdag', 'zerodce_official'} <= set(names)
    assert any(re.fullmatch(r'\s+zerodce_sdag\s+guided version of zerodce', line)
               for line in enhancers)
    assert any(re.fullmatch(r'\s+zerodce_official\s+official weights.*', line)
               for line in enhancers)
    assert re.search(r'^\s+demo\s+configs/_base_/datasets/demo.py \(split test\); upper bound '
                     r'row normal_light \(normal-light references \(upper bound\)\)$',
                     result.stdout, re.M)
    assert re.search(r'^\s+demo_retinanet\s+configs/detectors/demo_retinanet.py, weights '
                     r'checkpoints/demo_retinanet.pth$', result.stdout, re.M)
    assert not (tmp_path / 'w').exists()  # nothing ran


def test_device_auto_and_overall_progress_bar(tmp_path):
    """Default device: CUDA when torch sees a GPU, else CPU, printed first; with progress on,
    a bar over the 2 cells (elapsed<ETA) and one over each cell's images."""
    small = make_small_bench(tmp_path, 2, extra_metrics='[]', cost_cfg='None')
    argv = [a for a in benchmark_cmd(small['bench'], tmp_path / 'w', 'identity,gamma')
            if a != '--no-progress'][2:] + ['--bootstrap', '0']
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(cwd)
    assert code == 0, err.getvalue()
    expected = 'cuda' if torch.cuda.is_available() else 'cpu'
    assert out.getvalue().splitlines()[0] == f'[benchmark] device: {expected}'
    bars = err.getvalue().replace('\r', '\n')
    # overall: "cells: 100%|...| 2/2 [00:05<00:00, ...]"
    assert re.search(r'cells: 100%\|[^|]*\| 2/2 \[\d\d:\d\d<\d\d:\d\d', bars), bars
    # per cell: the cell's name over its 2 images
    assert re.search(r'gamma__small__demo_retinanet: +\d+%\|[^|]*\| \d/2', bars), bars
