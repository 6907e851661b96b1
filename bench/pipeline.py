"""Where the benchmark's time goes, as ratios measured in one process.

Sections (all on the demo test set and the frozen demo detector, CPU):

1. ``harness``: the harness (enhancer inside the data preprocessor, VOC + quality metrics on the
   same tensors) against a bare loop of ``enhancer(x)`` + ``detector.test_step`` over the same
   batches. Goal: harness images/s / bare images/s >= 0.95.
2. ``shared``: one enhancer x 3 detectors (+ quality metrics) in one pass, against one bare
   enhancement pass + 3 bare detector passes. Goal: <= 1.05. Also the naive cost (three separate
   cells, each enhancing again).
3. ``cache``: ``tools/benchmark.py`` a second time over finished cells against the first run
   (goal >= 20x faster), and the first-run cost of 1, 2, 4 enhancers (slope, linearity).
4. ``rate``: FLOPs (mmengine.analysis) / measured time of Zero-DCE and the demo detector, against
   a large convolution measured in the same run, under thread counts, channels-last, batching,
   ``torch.inference_mode`` and ``torch.compile``.
5. ``profile``: torch.profiler over the harness pass: the operators that take the time.

Example::

    python bench/pipeline.py                      # everything, ~10 min on 2 cores
    python bench/pipeline.py --only harness,shared --images 64
    python bench/pipeline.py --tiny --out /tmp/pipeline.md   # every section at a toy size

Writes a markdown report (default ``results/bench/pipeline.md``). Timings alternate the compared
variants and keep the best of ``--repeats`` so that both see the same machine load.
"""
import argparse
import contextlib
import copy
import io
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import numpy as np
import torch
from mmengine.evaluator import Evaluator
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sdag_bench import register_all_modules  # noqa: E402
from sdag_bench.benchmark.cells import (CellSpec, DatasetSpec, DetectorSpec,  # noqa: E402
                                        EnhancerSpec)
from sdag_bench.benchmark.run.test_dataloader import build_test_dataloader  # noqa: E402
from sdag_bench.benchmark.run.detector_transforms import (  # noqa: E402
    DetectorTestTransforms, to_uint8_images)
from sdag_bench.benchmark.run.evaluate import evaluate_cell, evaluate_cells  # noqa: E402
from sdag_bench.benchmark.run.frozen_detector import (  # noqa: E402
    build_frozen_detector, run_detector)
from sdag_bench.benchmark.options import EvaluationOptions  # noqa: E402
from sdag_bench.enhancers.builder import build_enhancer_from_config  # noqa: E402
from sdag_bench.metrics.cost import count_flops  # noqa: E402
from sdag_bench.metrics.image_quality_metric import ENHANCED_FIELD  # noqa: E402

DATASET = DatasetSpec('demo', str(ROOT / 'configs/_base_/datasets/demo.py'))
DETECTOR = str(ROOT / 'configs/detectors/demo_retinanet.py')
DETECTOR_CKPT = str(ROOT / 'checkpoints/demo_retinanet.pth')
QUALITY = [dict(type='ImageQualityMetric', metrics=('niqe', 'psnr', 'ssim'))]
QUIET = EvaluationOptions(extra_metrics=QUALITY, progress=False)


def zerodce_spec(images: int) -> EnhancerSpec:
    """The project-trained Zero-DCE of the demo (random weights if not trained yet: the cost is
    the same)."""
    config = str(ROOT / 'configs/demo_zoo/zerodce.py')
    checkpoint = str(ROOT / 'checkpoints/demo_zoo/zerodce_s0.pth')
    return EnhancerSpec('zerodce', config, checkpoint if osp.isfile(checkpoint) else None,
                        dataset_overrides=dict(indices=images))


def best_of(functions: Dict[str, Callable[[], object]], repeats: int) -> Dict[str, float]:
    """Best wall time (s) of each function, calling them in alternation ``repeats`` times."""
    times: Dict[str, List[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def enhance_batch(enhancer: nn.Module, inputs: Sequence[torch.Tensor]) -> List[np.ndarray]:
    """The bare enhancement of a loaded BGR uint8 batch: uint8 BGR H x W x C images (the 8-bit
    image every detector of the benchmark is given)."""
    x = torch.stack(list(inputs)).float().flip(1) / 255
    return to_uint8_images(list((enhancer(x).clamp(0, 1) * 255).flip(1)))


def bare_detect(detector: nn.Module, transforms: DetectorTestTransforms,
                images: List[np.ndarray], samples: list) -> list:
    """The detector's own test-time resize, then ``test_step`` on the enhanced images (what
    mmdet's test loop does with them saved as PNGs; no metric)."""
    return run_detector(detector, transforms, images, samples)


# --------------------------------------------------------------------------------------------
# 1. harness vs bare loop
def bench_harness(args) -> List[str]:
    spec = zerodce_spec(args.images)
    cell = CellSpec(spec, DATASET, DetectorSpec('demo_retinanet', DETECTOR, DETECTOR_CKPT))

    def harness():
        evaluate_cell(cell, QUIET)

    def harness_batched():
        evaluate_cell(cell, QUIET.replace(enhance_batch_size=8))

    def bare():
        loader, _ = build_test_dataloader(DATASET.config, spec.dataset_overrides)
        detector = build_frozen_detector(DETECTOR, DETECTOR_CKPT)
        transforms = DetectorTestTransforms(DETECTOR)
        enhancer = build_enhancer_from_config(spec.config, spec.checkpoint)
        with torch.inference_mode():
            for batch in loader:
                bare_detect(detector, transforms, enhance_batch(enhancer, batch['inputs']),
                            batch['data_samples'])

    times = best_of(dict(harness=harness, bare=bare, batched=harness_batched), args.repeats)
    ratio = times['bare'] / times['harness']
    return [
        '## 1. Harness vs bare loop',
        '',
        f'Zero-DCE + demo RetinaNet, {args.images} demo test images, batch 8, best of '
        f'{args.repeats}; both include building the loader and the models.',
        '',
        '| run | s | images/s |',
        '|---|---|---|',
        f"| harness (enhancer in the preprocessor, VOC + NIQE/PSNR/SSIM) | {times['harness']:.2f}"
        f" | {args.images / times['harness']:.1f} |",
        f"| harness, enhancer on whole batches of 8 | {times['batched']:.2f} | "
        f"{args.images / times['batched']:.1f} |",
        f"| bare loop (enhancer(x) on the batch of 8 + detector.test_step) | {times['bare']:.2f}"
        f" | {args.images / times['bare']:.1f} |",
        '',
        f'**harness / bare throughput = {ratio:.3f}** (goal >= 0.95); with the enhancer on '
        f"whole batches as the bare loop does: {times['bare'] / times['batched']:.3f}",
        '',
    ]


# --------------------------------------------------------------------------------------------
# 2. enhance once, many detectors
def _detector_variants(folder: str) -> List[DetectorSpec]:
    """The demo detector and two variants with other NMS settings and padding (3 detectors)."""
    specs = [DetectorSpec('demo_retinanet', DETECTOR, DETECTOR_CKPT)]
    for iou, divisor in ((0.3, 64), (0.7, 16)):
        path = osp.join(folder, f'demo_retinanet_iou{iou}.py')
        with open(path, 'w') as f:
            f.write(f"_base_ = '{DETECTOR}'\n"
                    f'model = dict(test_cfg=dict(nms=dict(iou_threshold={iou})),\n'
                    f'             data_preprocessor=dict(pad_size_divisor={divisor}))\n')
        specs.append(DetectorSpec(f'iou{iou}', path, DETECTOR_CKPT))
    return specs


def bench_shared(args) -> List[str]:
    spec = zerodce_spec(args.images)
    with tempfile.TemporaryDirectory() as folder:
        detectors = _detector_variants(folder)
        cells = [CellSpec(spec, DATASET, d) for d in detectors]

        def shared():
            evaluate_cells(cells, QUIET)

        def separate():
            for cell in cells:
                evaluate_cell(cell, QUIET)

        def bare():
            loader, _ = build_test_dataloader(DATASET.config, spec.dataset_overrides)
            models = [build_frozen_detector(d.config, d.checkpoint) for d in detectors]
            transforms = [DetectorTestTransforms(d.config) for d in detectors]
            enhancer = build_enhancer_from_config(spec.config, spec.checkpoint)
            with torch.inference_mode():
                batches = [(enhance_batch(enhancer, b['inputs']), b['data_samples'])
                           for b in loader]  # one enhancement pass
                for model, own in zip(models, transforms):  # three detector passes
                    for images, samples in batches:
                        bare_detect(model, own, images, samples)

        def bare_with_metrics():
            # the bare passes, plus exactly the metrics the one pass computes (VOC + COCO per
            # detector, quality once): separates the harness machinery from metric compute
            loader, data_cfg = build_test_dataloader(DATASET.config, spec.dataset_overrides)
            models = [build_frozen_detector(d.config, d.checkpoint) for d in detectors]
            transforms = [DetectorTestTransforms(d.config) for d in detectors]
            enhancer = build_enhancer_from_config(spec.config, spec.checkpoint)
            with contextlib.redirect_stdout(io.StringIO()):
                evaluators = [Evaluator(copy.deepcopy(list(data_cfg.test_evaluator)))
                              for _ in models]
                quality = Evaluator(copy.deepcopy(QUALITY))
            for evaluator in evaluators + [quality]:
                evaluator.dataset_meta = loader.dataset.metainfo
            with torch.inference_mode():
                batches = []
                for b in loader:
                    images = enhance_batch(enhancer, b['inputs'])
                    for sample, image in zip(b['data_samples'], images):
                        rgb = torch.from_numpy(image[..., ::-1].copy()).permute(2, 0, 1)
                        sample.set_field(rgb.float() / 255, ENHANCED_FIELD)
                    quality.process(data_samples=b['data_samples'], data_batch=b)
                    batches.append((images, b))
                for model, own, evaluator in zip(models, transforms, evaluators):
                    for images, b in batches:
                        out = bare_detect(model, own, images, b['data_samples'])
                        evaluator.process(data_samples=out, data_batch=b)
            with contextlib.redirect_stdout(io.StringIO()):
                for evaluator in evaluators + [quality]:
                    evaluator.evaluate(len(loader.dataset))

        times = best_of(dict(shared=shared, bare=bare, bare_metrics=bare_with_metrics,
                             separate=separate), args.repeats)
    return [
        '## 2. Enhance once, use many (1 enhancer x 3 detectors)',
        '',
        f'Zero-DCE and 3 detectors (the demo RetinaNet under 3 NMS/padding settings), '
        f'{args.images} images, best of {args.repeats}.',
        '',
        '| run | s |',
        '|---|---|',
        f"| one pass: enhance once, 3 detectors, VOC x3 + quality once | {times['shared']:.2f} |",
        f"| bare: 1 enhancement pass + 3 detector passes, no metrics | {times['bare']:.2f} |",
        f"| bare + the same metrics (VOC + COCO x3, quality once) | {times['bare_metrics']:.2f} |",
        f"| naive: 3 separate cells, each enhancing again | {times['separate']:.2f} |",
        '',
        f"**one pass / bare = {times['shared'] / times['bare']:.3f}** (goal <= 1.05); one pass / "
        f"(bare + same metrics) = {times['shared'] / times['bare_metrics']:.3f}; naive / one "
        f"pass = {times['separate'] / times['shared']:.2f}",
        '',
    ]


# --------------------------------------------------------------------------------------------
# 3. cache and growth with the number of enhancers
def _demo_benchmark(folder: str, images: int) -> str:
    """The demo benchmark config, on its first ``images`` test images (0: all 200)."""
    if not images:
        return str(ROOT / 'configs/benchmark/demo.py')
    dataset = osp.join(folder, f'demo_{images}.py')
    with open(dataset, 'w') as f:
        f.write(f"_base_ = '{ROOT / 'configs/_base_/datasets/demo.py'}'\n"
                f'test_dataloader = dict(dataset=dict(indices={images}))\n')
    path = osp.join(folder, f'demo_bench_{images}.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = '{ROOT / 'configs/benchmark/demo.py'}'\n"
                f"datasets = dict(demo=dict(config='{dataset}', split='test (first {images})'))\n")
    return path


def _gamma_benchmark(folder: str, count: int, images: int) -> str:
    """A benchmark config over ``count`` Gamma enhancers (equal cost each)."""
    enhancers = osp.join(folder, f'enhancers{count}')
    os.makedirs(enhancers, exist_ok=True)
    for i in range(count):
        with open(osp.join(enhancers, f'gamma{i}.py'), 'w') as f:
            f.write(f"enhancer = dict(type='Gamma', gamma={0.4 + 0.05 * i})\n")
    path = osp.join(folder, f'bench{count}.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = '{_demo_benchmark(folder, images)}'\n"
                f"enhancer_dirs = ['{enhancers}']\n")
    return path


def _run_benchmark(argv: List[str]) -> float:
    from tools.benchmark import main as benchmark_main
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = benchmark_main(argv + ['--no-progress'])
    if code != 0:
        raise RuntimeError(f'tools/benchmark.py {" ".join(argv)} exited {code}')
    return time.perf_counter() - start


def bench_cache(args) -> List[str]:
    lines = ['## 3. Cache and growth', '']
    with tempfile.TemporaryDirectory() as folder:
        work = osp.join(folder, 'cached')
        argv = ['--benchmark', _demo_benchmark(folder, args.cache_images), '--enhancers',
                args.cache_enhancers, '--work-dir', work]
        first = _run_benchmark(argv)
        second = _run_benchmark(argv)
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / 'tools/benchmark.py'), *argv, '--no-progress'],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        second_cli = time.perf_counter() - start
        lines += [
            f'`tools/benchmark.py --enhancers {args.cache_enhancers}` on the demo (+ both bounds;'
            f' {args.cache_images or 200} images per cell; tables, plots and the qualitative '
            'grid):',
            '',
            '| run | s |', '|---|---|',
            f'| first (computes every cell), in process | {first:.2f} |',
            f'| second (reuses every cell), in process | {second:.2f} |',
            f'| second, as a new process (imports torch, mmdet, ...) | {second_cli:.2f} |',
            '',
            f'**first / second = {first / second:.1f}x** in process, {first / second_cli:.1f}x as '
            'a new process (goal >= 20x)',
            '',
        ]
        counts, times = ([1, 2] if args.tiny else [1, 2, 4]), []
        for count in counts:
            config = _gamma_benchmark(folder, count, args.cache_images)
            times.append(_run_benchmark(['--benchmark', config, '--work-dir',
                                         osp.join(folder, f'grow{count}'), '--no-bounds',
                                         '--no-plots']))
    slope, intercept = np.polyfit(counts, times, 1)
    predicted = np.polyval([slope, intercept], counts)
    r2 = 1 - np.sum((np.array(times) - predicted)**2) / np.sum((times - np.mean(times))**2)
    lines += [
        'First runs with 1, 2 and 4 Gamma rows (no bounds, no plots):',
        '',
        '| enhancers | s |', '|---|---|',
        *[f'| {c} | {t:.2f} |' for c, t in zip(counts, times)],
        '',
        f'**slope {slope:.2f} s per enhancer** ({args.cache_images or 200} images), '
        f'intercept {intercept:.2f} s '
        f'(planning and set-up), R² = {r2:.4f}',
        '',
    ]
    return lines


# --------------------------------------------------------------------------------------------
# 4. compute rate
class DetectorTensorForward(nn.Module):
    """``detector(x, mode='tensor')``: backbone, neck and head, no post-processing."""

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        self.detector = detector

    def forward(self, x: torch.Tensor):
        return self.detector(x, mode='tensor')


def _time(model: nn.Module, x: torch.Tensor, repeats: int, grad_mode: str = 'inference',
          warmup: int = 2) -> float:
    """Median seconds of ``model(x)``."""
    context = torch.inference_mode if grad_mode == 'inference' else torch.no_grad
    with context():
        for _ in range(warmup):
            model(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_rate(args) -> List[str]:
    repeats = 1 if args.tiny else max(3, args.repeats * 2)
    channels, size = (32, 16) if args.tiny else (256, 64)
    conv = nn.Conv2d(channels, channels, 3, padding=1).eval()
    conv_x = torch.rand(4, channels, size, size)
    conv_flops, _ = count_flops(conv, tuple(conv_x.shape))
    enhancer = build_enhancer_from_config(zerodce_spec(8).config, zerodce_spec(8).checkpoint)
    detector = DetectorTensorForward(build_frozen_detector(DETECTOR, DETECTOR_CKPT).eval())
    models = dict(zerodce=enhancer, demo_retinanet=detector)
    flops = {name: count_flops(model, (1, 3, 192, 192))[0] for name, model in models.items()}
    lines = [
        '## 4. Compute rate against a large convolution',
        '',
        'FLOPs from mmengine.analysis (one multiply-add = one FLOP; Zero-DCE\'s element-wise '
        'curve steps are not counted), per 192x192 image: ' +
        ', '.join(f'{n} {f / 1e9:.3f} G' for n, f in flops.items()) +
        f'. Reference: Conv2d {channels}->{channels} 3x3 on 4x{channels}x{size}x{size} '
        f'({conv_flops / 1e9:.1f} GFLOP).',
        '',
        '| model | threads | batch | variant | ms/img | GFLOP/s | of conv rate |',
        '|---|---|---|---|---|---|---|',
    ]
    previous = torch.get_num_threads()
    for threads in [1] if args.tiny else sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        conv_rate = conv_flops / _time(conv, conv_x, repeats, warmup=1)
        lines.append(f'| Conv2d {channels}x{channels} 3x3 | {threads} | 4 | inference_mode | – | '
                     f'{conv_rate / 1e9:.1f} | 1.00 |')
        for name, model in models.items():
            for batch in (1, ) if args.tiny else (1, 8):
                x = torch.rand(batch, 3, 192, 192)
                variants = {'inference_mode': (model, x, 'inference'),
                            'no_grad': (model, x, 'no_grad')}
                variants['channels_last'] = (
                    _channels_last(model), x.contiguous(memory_format=torch.channels_last),
                    'inference')
                for variant, (m, inp, mode) in variants.items():
                    seconds = _time(m, inp, repeats, mode, warmup=0 if args.tiny else 2)
                    rate = flops[name] * batch / seconds
                    lines.append(f'| {name} | {threads} | {batch} | {variant} | '
                                 f'{seconds * 1e3 / batch:.1f} | {rate / 1e9:.1f} | '
                                 f'{rate / conv_rate:.2f} |')
        if args.compile:
            lines.append(_compiled_line(enhancer, flops['zerodce'], conv_rate, threads, repeats))
    torch.set_num_threads(previous)
    return lines + ['']


def _channels_last(model: nn.Module) -> nn.Module:
    import copy
    return copy.deepcopy(model).to(memory_format=torch.channels_last)


def _compiled_line(model: nn.Module, flops: int, conv_rate: float, threads: int,
                   repeats: int) -> str:
    x = torch.rand(8, 3, 192, 192)
    try:
        start = time.perf_counter()
        compiled = torch.compile(model)
        with torch.inference_mode():
            compiled(x)
        compile_s = time.perf_counter() - start
        seconds = _time(compiled, x, repeats)
    except Exception as err:  # noqa: BLE001 - report why compile is unavailable here
        return (f'| zerodce | {threads} | 8 | torch.compile: failed ({type(err).__name__}) '
                '| – | – | – |')
    rate = flops * 8 / seconds
    return (f'| zerodce | {threads} | 8 | torch.compile (compile {compile_s:.0f} s) | '
            f'{seconds * 1e3 / 8:.1f} | {rate / 1e9:.1f} | {rate / conv_rate:.2f} |')


# --------------------------------------------------------------------------------------------
# 5. profile
def bench_profile(args) -> List[str]:
    from torch.profiler import ProfilerActivity, profile
    spec = zerodce_spec(args.images)
    cell = CellSpec(spec, DATASET, DetectorSpec('demo_retinanet', DETECTOR, DETECTOR_CKPT))
    evaluate_cell(cell, QUIET)  # warm caches
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        evaluate_cell(cell, QUIET)
    table = prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=12,
                                      max_name_column_width=40)
    return ['## 5. Profile of the harness pass (Zero-DCE + demo RetinaNet + quality)', '',
            '```', table.strip(), '```', '']


SECTIONS = dict(harness=bench_harness, shared=bench_shared, cache=bench_cache, rate=bench_rate,
                profile=bench_profile)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f if 'model name' in line)
    except (OSError, StopIteration):
        pass
    return (f'{cpu}, {os.cpu_count()} cores, torch {torch.__version__} '
            f'({torch.get_num_threads()} threads), Python {platform.python_version()}')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', default=','.join(SECTIONS),
                        help=f'comma-separated sections of {list(SECTIONS)}')
    parser.add_argument('--images', type=int, default=96, help='demo test images per pass')
    parser.add_argument('--repeats', type=int, default=2, help='alternating repeats (best kept)')
    parser.add_argument('--compile', action='store_true', help='also try torch.compile')
    parser.add_argument('--cache-enhancers', default='zerodce,zerodce_sdag,sci,sci_sdag,gamma',
                        help='demo rows of the cache section')
    parser.add_argument('--cache-images', type=int, default=0,
                        help='demo test images of the cache section (0: all 200)')
    parser.add_argument('--tiny', action='store_true',
                        help='every section at a toy size (4 images, one repeat, one Gamma row, '
                        'small tensors): checks that the script runs; its numbers mean nothing')
    parser.add_argument('--out', default=str(ROOT / 'results/bench/pipeline.md'))
    args = parser.parse_args(argv)
    if args.tiny:
        args.images, args.repeats, args.cache_images = 4, 1, 4
        args.cache_enhancers = 'gamma'
        args.compile = False
    unknown = sorted(set(args.only.split(',')) - set(SECTIONS))
    if unknown:
        parser.error(f'unknown sections {unknown}; known: {list(SECTIONS)}')
    register_all_modules()
    from mmengine.logging import MMLogger
    MMLogger.get_instance('sdag_bench', log_level='WARNING')
    lines = ['# bench/pipeline.py', '', f'Machine: {machine()}.', '',
             f'Command: `python bench/pipeline.py {" ".join(argv or sys.argv[1:])}`', '']
    for name in args.only.split(','):
        start = time.perf_counter()
        section = SECTIONS[name](args)
        print('\n'.join(section), flush=True)
        lines += section + [f'_(section took {time.perf_counter() - start:.0f} s)_', '']
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'report written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
