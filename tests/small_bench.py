"""A small copy of the demo benchmark (a few test images) for fast end-to-end store tests.

The demo set is generated on first use (``ensure_demo_set``); the first ``num_images`` test
images, their references and their boxes are copied into ``<tmp>/data`` and a dataset config
and a benchmark config pointing at them are written next to it. Tests may then change the copy
(move a box, replace images) without touching the shared demo set.
"""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_DATASET = PROJECT_ROOT / 'configs' / '_base_' / 'datasets' / 'demo.py'
DETECTOR = 'configs/detectors/demo_retinanet.py'
CHECKPOINT = 'checkpoints/demo_retinanet.pth'


def make_small_bench(tmp: Path, num_images: int = 8, enhancer_dirs: Optional[List[str]] = None,
                     extra_metrics: str = "[dict(type='ImageQualityMetric', "
                     "metrics=('niqe', 'psnr', 'ssim'))]",
                     cost_cfg: str = 'dict(input_size=(64, 64), warmup=0, repeats=1)',
                     name: str = 'bench.py') -> Dict[str, Path]:
    """Write a small benchmark under ``tmp`` (reusing its data copy if already there).

    Args:
        tmp (Path): Folder for the data copy and the configs.
        num_images (int): Test images copied from the demo set.
        enhancer_dirs (list[str], optional): Enhancer folders. Defaults to configs/enhancers.
        extra_metrics (str): Python text of the ``extra_metrics`` list.
        cost_cfg (str): Python text of ``cost_cfg``.
        name (str): File name of the benchmark config.

    Returns:
        dict: ``bench`` (benchmark config), ``data`` (data root), ``ann`` (test annotations).
    """
    from mmengine.config import Config

    from sdag_bench.datasets.demo import ensure_demo_set
    data = tmp / 'data'
    if not (data / 'annotations' / 'test.json').is_file():
        demo = ensure_demo_set(PROJECT_ROOT / 'data' / 'demo', progress=False)
        with open(demo / 'annotations' / 'test.json') as f:
            coco = json.load(f)
        coco['images'] = coco['images'][:num_images]
        ids = {im['id'] for im in coco['images']}
        coco['annotations'] = [a for a in coco['annotations'] if a['image_id'] in ids]
        for sub in ('dark', 'normal'):
            (data / sub / 'test').mkdir(parents=True, exist_ok=True)
            for image in coco['images']:
                shutil.copyfile(demo / sub / 'test' / image['file_name'],
                                data / sub / 'test' / image['file_name'])
        (data / 'annotations').mkdir(parents=True, exist_ok=True)
        with open(data / 'annotations' / 'test.json', 'w') as f:
            json.dump(coco, f)
        cfg = Config.fromfile(str(DEMO_DATASET))
        cfg.test_dataloader.dataset.data_root = f'{data}/'
        cfg.test_dataloader.dataset.generate = False
        evaluators = cfg.test_evaluator
        for evaluator in evaluators if isinstance(evaluators, list) else [evaluators]:
            if 'ann_file' in evaluator:
                evaluator['ann_file'] = f'{data}/annotations/test.json'
        cfg.dump(str(tmp / 'small_data.py'))
    dirs = enhancer_dirs or ['configs/enhancers']
    (tmp / name).write_text(
        "benchmark = 'small'\n"
        f"datasets = dict(small=dict(config={str(tmp / 'small_data.py')!r}, split='test'))\n"
        f"detectors = dict(demo_retinanet=dict(config={DETECTOR!r}, checkpoint={CHECKPOINT!r}))\n"
        f'enhancer_dirs = {dirs!r}\n'
        f'extra_metrics = {extra_metrics}\n'
        f'cost_cfg = {cost_cfg}\n'
        "primary_metric = 'AP50'\n")
    return dict(bench=tmp / name, data=data, ann=data / 'annotations' / 'test.json')


def benchmark_cmd(bench: Path, work_dir: Path, enhancers: str = 'identity',
                  *extra: str) -> List[str]:
    """The command line a researcher types for the small benchmark."""
    return [sys.executable, 'tools/benchmark.py', '--benchmark', str(bench), '--enhancers',
            enhancers, '--no-bounds', '--no-plots', '--no-progress', '--work-dir',
            str(work_dir), *extra]


def run_benchmark(bench: Path, work_dir: Path, enhancers: str = 'identity', *extra: str,
                  timeout: int = 600, subprocess_run: bool = False):
    """Run tools/benchmark.py with the command line a researcher types.

    In this process by default (its ``main(argv)``, output captured), or in a subprocess.

    Returns:
        ``returncode``, ``stdout`` and ``stderr`` (a ``CompletedProcess``).
    """
    cmd = benchmark_cmd(bench, work_dir, enhancers, *extra)
    if subprocess_run:
        env = dict(os.environ, OMP_NUM_THREADS='1')
        return subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    code, out, err = run_tool_main('benchmark', cmd[2:])
    return subprocess.CompletedProcess(cmd, code, out, err)


def run_tool_main(tool: str, argv: List[str]) -> tuple:
    """``tools/<tool>.py``'s ``main(argv)`` in this process, from the project root, output
    captured (a ``SystemExit`` counts as its exit code).

    Returns:
        tuple[int, str, str]: Exit code, stdout and stderr.
    """
    module = __import__(f'tools.{tool}', fromlist=['main'])
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = module.main(argv)
            except SystemExit as exit_:
                code = exit_.code
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def read_cell(work_dir: Path, name: str) -> dict:
    """A stored cell record, parsed strictly (NaN/Infinity rejected)."""
    def reject(token):
        raise ValueError(f'non-strict JSON token {token}')
    with open(work_dir / 'cells' / f'{name}.json') as f:
        return json.load(f, parse_constant=reject)
