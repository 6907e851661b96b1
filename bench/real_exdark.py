"""What the real ExDark table costs, measured on its own photos (``--benchmark exdark600``).

Needs the data root of ``make exdark600`` and both detectors' converted weights (``make darknet
yolox``). Sections (CPU unless ``--device``; timings are the best of ``--repeats``; the compared
runs alternate in one process so that they see the same machine load):

1. ``stages``: per-megapixel rates of decoding, NIQE and each enhancer row at native size, and
   per-image times of both detectors (their own test transforms and forward pass) on
   ``--photos`` photos of the set (every ``600 // photos``-th), then the projected time of the
   600-photo table and of the full official test split (2563 photos, 0.67 MP on average) per
   stage.
2. ``scoring``: the metrics of one stored cell (VOC matching and AP over the 600 photos) and its
   1000-resample bootstrap, from the committed per-image predictions.
3. ``overhead``: the harness (``evaluate_cell``: loader, enhancement, rounding, both detectors'
   transforms, VOC and COCO metrics, per-image predictions) against a bare loop (decode,
   enhance, round, detector transforms, detector) on the same photos, at two photo counts
   (``--overhead-photos``): the cost per photo (goal harness / bare <= 1.05) and the fixed cost
   of a run.

Example::

    python bench/real_exdark.py --photos 12     # results/bench/real_exdark.md
"""
import argparse
import glob
import os.path as osp
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'bench'))

from protocol import best_of, detect, enhance, load  # noqa: E402

from sdag_bench import register_all_modules  # noqa: E402
from sdag_bench.benchmark.cells import (CellSpec, DatasetSpec, DetectorSpec,  # noqa: E402
                                        EnhancerSpec, load_config)
from sdag_bench.benchmark.run.detector_transforms import DetectorTestTransforms  # noqa: E402
from sdag_bench.benchmark.run.evaluate import evaluate_cells  # noqa: E402
from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector  # noqa: E402
from sdag_bench.benchmark.options import EvaluationOptions  # noqa: E402
from sdag_bench.benchmark.plan.planner import discover_enhancers  # noqa: E402
from sdag_bench.enhancers.builder import build_enhancer_from_config  # noqa: E402
from sdag_bench.metrics.niqe import niqe  # noqa: E402

BENCHMARK = ROOT / 'configs/benchmark/exdark600.py'
DATA = ROOT / 'data/exdark600'
RESULTS = ROOT / 'results/exdark600'
FULL_SPLIT, FULL_MP = 2563, 0.67


def photos_of(data: Path, count: int) -> List[str]:
    """Every ``600 // count``-th photo of the set, in name order."""
    names = sorted(glob.glob(str(data / 'images' / 'test' / '*.jpg')))
    if not names:
        sys.exit(f'no photos under {data}/images/test: run `make exdark600` first')
    return names[::max(1, len(names) // count)][:count]


def detector_weights(cfg, overrides: Dict[str, str]) -> Dict[str, tuple]:
    """Detector name -> (config path, checkpoint): the benchmark's, or ``--checkpoint`` ones."""
    return {name: (str(ROOT / d['config']), overrides.get(name, d.get('checkpoint')))
            for name, d in cfg.detectors.items()}


def set_megapixels(data: Path) -> float:
    """Megapixels of the whole test set, from the converted json's image sizes (0 without it)."""
    import json
    path = data / 'annotations' / 'exdark_official_test.json'
    if not path.is_file():
        return 0.0
    images = json.loads(path.read_text())['images']
    return sum(i['width'] * i['height'] for i in images) / 1e6


def section_stages(photos: List[str], enhancers: List[str], repeats: int, device: str,
                   lines: List[str], weights: Dict[str, str], data: Path) -> Dict[str, float]:
    """Decode, NIQE and enhancer rates (s/MP), detector times (s/image)."""
    cfg = load_config(str(BENCHMARK))
    images = {p: load(p) for p in photos}
    megapixels = sum(im.shape[0] * im.shape[1] for im in images.values()) / 1e6
    rates = {'decode': best_of(lambda: [load(p) for p in photos], repeats)[0] / megapixels}
    tensors = [torch.from_numpy(np.ascontiguousarray(im[..., ::-1])).permute(2, 0, 1)[None]
               .float() / 255 for im in images.values()]  # RGB [0, 1], as the benchmark
    rates['NIQE'] = best_of(lambda: [niqe(x) for x in tensors], repeats)[0] / megapixels
    specs = discover_enhancers(cfg.enhancer_dirs, cfg.get('official_suffix'))
    for name in enhancers:
        spec = specs[name]
        model = build_enhancer_from_config(spec.config, spec.checkpoint).to(device)
        rates[f'enhance: {name}'] = best_of(
            lambda: [enhance(model, im, device) for im in images.values()],
            repeats)[0] / megapixels
    per_image = {}
    for name, (config, checkpoint) in detector_weights(cfg, weights).items():
        detector = build_frozen_detector(config, checkpoint).to(device)
        transforms = DetectorTestTransforms(config)
        per_image[name] = best_of(lambda: [detect(detector, transforms, im, p)
                                           for p, im in images.items()],
                                  repeats)[0] / len(photos)
    mp600 = set_megapixels(data) or 600 * megapixels / len(photos)
    lines += ['## 1. Stages', '',
              f'{len(photos)} photos of the set, {megapixels / len(photos):.2f} MP on average, '
              f'best of {repeats}; projections at the set\'s own size ({mp600:.0f} MP for its '
              f'{600} photos; the official split: {FULL_SPLIT} photos, {FULL_MP} MP on average).',
              '', '| stage | rate | 600 photos (min) | 2563 photos (h) |', '|---|---|---|---|']
    for stage, rate in rates.items():
        lines.append(f'| {stage} | {rate:.3f} s/MP | {rate * mp600 / 60:.1f} | '
                     f'{rate * FULL_SPLIT * FULL_MP / 3600:.2f} |')
    for name, seconds in per_image.items():
        lines.append(f'| detector: {name} | {seconds:.3f} s/image | {seconds * 600 / 60:.1f} | '
                     f'{seconds * FULL_SPLIT / 3600:.2f} |')
    lines.append('')
    return per_image


def section_scoring(results: Path, lines: List[str]) -> None:
    """VOC matching + AP and the 1000-resample bootstrap of one stored cell."""
    import json

    from sdag_bench.benchmark.report.intervals import cell_draws, cell_ground_truth
    cells = sorted(glob.glob(str(results / 'cells' / 'identity__exdark600__*.json')))
    if not cells:
        lines += ['## 2. Scoring', '', '(no stored exdark600 cell yet)', '']
        return
    with open(cells[0]) as f:
        record = json.load(f)
    npz = cells[0][:-len('.json')] + '.predictions.npz'
    cell_ground_truth(record)  # the ground truth is read once per test set
    start = time.perf_counter()
    cell_draws(record, npz, draws=1)
    once = time.perf_counter() - start
    start = time.perf_counter()
    cell_draws(record, npz, draws=1000)
    thousand = time.perf_counter() - start
    lines += ['## 2. Scoring one cell from its stored predictions', '',
              f'`{osp.basename(cells[0])}` (600 photos): matching + metrics {once:.2f} s; with '
              f'1000 bootstrap resamples {thousand:.2f} s.', '']


def section_overhead(counts: List[int], repeats: int, device: str, lines: List[str],
                     weights: Dict[str, str], data: Path) -> None:
    """``evaluate_cells`` (one enhancer, both detectors: one pass) against a bare loop, at two
    photo counts: the difference between them gives the harness's cost per photo against the
    bare loop's (the ratio that a 600-photo table sees) apart from its fixed costs."""
    from sdag_bench.benchmark.run.test_dataloader import build_test_dataloader
    cfg = load_config(str(BENCHMARK))
    spec = discover_enhancers(cfg.enhancer_dirs, cfg.get('official_suffix'))['gamma']
    from sdag_bench.benchmark.plan.dataset_options import data_root_options
    config = str(ROOT / cfg.datasets.exdark600.config)
    moved = data_root_options(config, str(data))  # as --data-root does
    dataset = DatasetSpec('exdark600', config, cfg_options=moved)
    detectors = detector_weights(cfg, weights)
    loader, _ = build_test_dataloader(config, None, cfg_options=moved)
    options = EvaluationOptions(device=device, progress=False)
    best: Dict[int, Dict[str, float]] = {}
    for count in counts:
        photos = photos_of(data, count)
        names = {Path(p).name for p in photos}
        ids = [i for i in range(len(loader.dataset))
               if Path(loader.dataset.get_data_info(i)['img_path']).name in names]
        enhancer_spec = EnhancerSpec('gamma', spec.config, spec.checkpoint,
                                     dataset_overrides=dict(indices=ids))
        cells = [CellSpec(enhancer_spec, dataset, DetectorSpec(n, c, k))
                 for n, (c, k) in detectors.items()]

        def harness():
            evaluate_cells(cells, options)

        def bare():
            enhancer = build_enhancer_from_config(spec.config, spec.checkpoint).to(device)
            models = [(build_frozen_detector(c, k).to(device), DetectorTestTransforms(c))
                      for c, k in detectors.values()]
            for path in photos:
                image = enhance(enhancer, load(path), device)
                for detector, transforms in models:
                    detect(detector, transforms, image, path)

        times: Dict[str, List[float]] = {'harness': [], 'bare': []}
        for _ in range(repeats):
            for name, fn in (('harness', harness), ('bare', bare)):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        best[count] = {k: min(v) for k, v in times.items()}
    lines += ['## 3. Harness overhead', '',
              f'Gamma in front of both detectors, best of {repeats} at each photo count; both '
              'build their models; the harness also builds its loader and evaluators, computes '
              'VOC + COCO metrics and collects the per-image predictions.', '',
              '| photos | harness (`evaluate_cells`, 2 cells in one pass), s | bare loop (decode, '
              'enhance, round, each detector), s | harness / bare |', '|---|---|---|---|']
    for count, run in best.items():
        lines.append(f"| {count} | {run['harness']:.2f} | {run['bare']:.2f} | "
                     f"{run['harness'] / run['bare']:.3f} |")
    if len(best) > 1:
        (low, a), (high, b) = list(best.items())[0], list(best.items())[-1]
        per_photo = (b['harness'] - a['harness']) / (b['bare'] - a['bare'])
        fixed = a['harness'] - a['bare'] * per_photo
        lines += ['', f'**Per photo, harness / bare = {per_photo:.3f}** (from {low} to {high} '
                  f'photos; goal <= 1.05); fixed costs of the harness beyond the bare loop\'s '
                  f'{fixed:.1f} s a run (loader, evaluators, metrics).']
    lines.append('')


def machine_line(device: str) -> str:
    """The machine the numbers come from."""
    import os
    import platform
    return (f'Machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} '
            f'({torch.get_num_threads()} threads), device {device}; load average '
            f'{os.getloadavg()[0]:.1f} at the start.')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--photos', type=int, default=12)
    parser.add_argument('--overhead-photos', default='12,48',
                        help='the two photo counts of the overhead section')
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--enhancers', default='identity,gamma,clahe,sci_official,'
                        'ruas_official,zerodce_official,zerodce_pp_official,pairlie_official')
    parser.add_argument('--sections', default='stages,scoring,overhead')
    parser.add_argument('--data-root', default=str(DATA), help='made by `make exdark600`')
    parser.add_argument('--results', default=str(RESULTS), help='work dir with stored cells')
    parser.add_argument('--checkpoint', action='append', default=[], metavar='NAME=PATH',
                        help="a detector's weights other than its config's")
    parser.add_argument('--out', default=str(ROOT / 'results/bench/real_exdark.md'))
    args = parser.parse_args(argv)
    weights = dict(item.split('=', 1) for item in args.checkpoint)
    register_all_modules()
    torch.set_grad_enabled(False)
    photos = photos_of(Path(args.data_root), args.photos)
    lines = ['# bench/real_exdark.py', '', machine_line(args.device), '',
             f'Command: `python bench/real_exdark.py {" ".join(argv or sys.argv[1:])}`', '']
    sections = args.sections.split(',')
    if 'stages' in sections:
        section_stages(photos, args.enhancers.split(','), args.repeats, args.device, lines,
                       weights, Path(args.data_root))
    if 'scoring' in sections:
        section_scoring(Path(args.results), lines)
    if 'overhead' in sections:
        section_overhead([int(n) for n in args.overhead_photos.split(',')], args.repeats,
                         args.device, lines, weights, Path(args.data_root))
    text = '\n'.join(lines) + '\n'
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == '__main__':
    np.set_printoptions(precision=3)
    sys.exit(main())
