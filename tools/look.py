"""Look at photos before and after enhancement, through a frozen detector.

For each photo, one PNG: the input and each enhancer's output side by side, with the detector's
boxes and labels drawn by mmdet's ``DetLocalVisualizer``; per photo and enhancer, the detections
at or above ``--score-thr``, NIQE and the enhancer's time, printed as a table and saved as
``look.csv`` and ``look.json``. Enhancers and detectors are named as in a benchmark config
(default: the demo's), or given as config files:

    python tools/look.py data/demo/dark/test --enhancers identity,gamma,zerodce \\
        --detector demo_retinanet --out work_dirs/look
    python tools/look.py photo.jpg photos/ list.txt --benchmark real_photos \\
        --enhancers identity,zerodce_official --detector yolov3_tiny --device auto

Each photo is enhanced once at its own size and rounded to 8 bits, then the detector applies its
own test-time transforms (the benchmark's protocol). Unreadable files are skipped, counted and
named.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Tuple

import cv2
import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmdet.visualization import DetLocalVisualizer
from tabulate import tabulate
from tqdm import tqdm

from sdag_bench.benchmark.cells import load_config
from sdag_bench.benchmark.cli import (CommandLineError, load_benchmark_config, resolve_device)
from sdag_bench.benchmark.run.detector_transforms import DetectorTestTransforms
from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector, run_detector
from sdag_bench.benchmark.plan.planner import (add_config_paths, pick_names, discover_enhancers,
                                               load_enhancer_spec, resolve_detector_checkpoint)
from sdag_bench.detectors.inference import config_class_names
from sdag_bench.enhancers import build_enhancer_from_config
from sdag_bench.metrics import create_metric
from sdag_bench.utils.cli_checks import check_device
from sdag_bench.utils.image_io import ImageReadError, read_image

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
#: Height of the band above each panel that names it.
TITLE_HEIGHT = 22


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('inputs', nargs='+',
                        help='photos, folders of photos, or .txt files listing one per line')
    parser.add_argument('--benchmark', default='demo',
                        help='benchmark config whose enhancer and detector names to use')
    parser.add_argument('--enhancers', default='identity,gamma,zerodce',
                        help='names (comma-separated) or enhancer config files')
    parser.add_argument('--detector', default='demo_retinanet',
                        help="a detector name of the benchmark, or a detector config file")
    parser.add_argument('--checkpoint', help="detector weights (default: the benchmark's or "
                        "the detector config's own)")
    parser.add_argument('--out', default='work_dirs/look', help='output folder')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='detections drawn and counted at or above this score')
    parser.add_argument('--device', default='auto', help="'auto', 'cpu', 'cuda' or 'cuda:N'")
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    return parser.parse_args(argv)


def list_photos(inputs: List[str]) -> List[str]:
    """Photos named by files, folders (their images, sorted) and .txt lists (one per line).

    Raises:
        CommandLineError: An input that does not exist, or an empty folder or list.
    """
    photos = []
    for item in inputs:
        if osp.isdir(item):
            found = sorted(osp.join(item, f) for f in os.listdir(item)
                           if f.lower().endswith(IMAGE_EXTENSIONS))
            if not found:
                raise CommandLineError(f'{item}: no image files ({", ".join(IMAGE_EXTENSIONS)})')
            photos += found
        elif item.endswith('.txt') and osp.isfile(item):
            with open(item) as f:
                listed = [line.strip() for line in f if line.strip()]
            if not listed:
                raise CommandLineError(f'{item}: an empty list')
            photos += [p if osp.isabs(p) else osp.join(osp.dirname(item), p) for p in listed]
        elif osp.isfile(item):
            photos.append(item)
        else:
            raise CommandLineError(f'{item}: no such file or folder')
    return photos


def select_rows(args: argparse.Namespace) -> Tuple[list, str, str]:
    """The enhancer specs, the detector config and its checkpoint named on the command line."""
    bench_cfg = load_benchmark_config(args.benchmark)
    known = discover_enhancers(bench_cfg.get('enhancer_dirs', []),
                               bench_cfg.get('official_suffix'))
    names, known = add_config_paths(args.enhancers, known)
    enhancers = [load_enhancer_spec(known[n]) for n in pick_names(names, known, 'enhancer')]
    name, detectors = add_config_paths(args.detector, dict(bench_cfg.get('detectors', {})))
    [name] = pick_names(name, detectors, 'detector')
    config = detectors[name]['config']
    checkpoint = resolve_detector_checkpoint(
        name, config, args.checkpoint or detectors[name].get('checkpoint'))
    return enhancers, config, checkpoint


def titled(image: np.ndarray, title: str) -> np.ndarray:
    """The RGB image with a white band above it naming it."""
    band = np.full((TITLE_HEIGHT, image.shape[1], 3), 255, np.uint8)
    cv2.putText(band, title, (4, TITLE_HEIGHT - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0),
                1, cv2.LINE_AA)
    return np.concatenate([band, image])


def look(photos: List[str], enhancers: list, config: str, checkpoint: str, out: str,
         score_thr: float, device: str, progress: bool = True) -> Tuple[List[dict], list]:
    """Enhance, detect and draw every photo; write one PNG per photo.

    Returns:
        tuple[list[dict], list]: One row of numbers per photo and enhancer, and the skipped
        photos as (path, problem).
    """
    detector = build_frozen_detector(config, checkpoint, device)
    transforms = DetectorTestTransforms(config)
    classes = config_class_names(load_config(config))
    visualizer = DetLocalVisualizer(name=f'look-{os.getpid()}-{time.time()}')
    visualizer.dataset_meta = dict(classes=classes, palette='random')
    niqe = create_metric('niqe')
    built: Dict[str, torch.nn.Module] = {}
    rows, skipped = [], []
    os.makedirs(out, exist_ok=True)
    bar = tqdm(total=len(photos) * len(enhancers), unit='image', disable=not progress)
    for index, path in enumerate(photos):
        try:
            rgb = read_image(path, channel_order='rgb')
        except ImageReadError as err:
            skipped.append((path, err.problem))
            bar.update(len(enhancers))
            continue
        x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float().div(255).to(device)
        panels = []
        for spec in enhancers:
            if spec.name not in built:
                built[spec.name] = build_enhancer_from_config(spec.config, spec.checkpoint,
                                                              device)
            start = time.perf_counter()
            with torch.no_grad():
                y = built[spec.name](x)
            if device.startswith('cuda'):
                torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            y = y.mul(255).round().clamp(0, 255).to(torch.uint8)  # the 8-bit PNG
            enhanced = y[0].permute(1, 2, 0).cpu().numpy()
            sample = DetDataSample(metainfo=dict(
                img_id=index, img_path=path, ori_shape=enhanced.shape[:2],
                img_shape=enhanced.shape[:2], scale_factor=(1.0, 1.0)))
            with torch.no_grad():
                [pred] = run_detector(detector, transforms,
                                      [np.ascontiguousarray(enhanced[..., ::-1])], [sample])
            pred = pred.cpu()
            visualizer.add_datasample(spec.name, enhanced, data_sample=pred, draw_gt=False,
                                      pred_score_thr=score_thr)
            panels.append(titled(visualizer.get_image(), spec.name))
            rows.append(dict(
                photo=path, enhancer=spec.name,
                detections=int((pred.pred_instances.scores >= score_thr).sum()),
                niqe=float(niqe(y.float().div(255))[0]), enhance_ms=round(seconds * 1e3, 2)))
            bar.update(1)
        name = osp.splitext(osp.basename(path))[0]
        cv2.imwrite(osp.join(out, f'{index:04d}_{name}.png'),
                    np.concatenate(panels, axis=1)[..., ::-1])
    bar.close()
    return rows, skipped


def main(argv=None) -> int:
    args = parse_args(argv)
    args.device = resolve_device(args.device)
    problem = check_device(args.device)
    try:
        if problem:
            raise CommandLineError(problem)
        photos = list_photos(args.inputs)
        enhancers, config, checkpoint = select_rows(args)
    except (CommandLineError, KeyError, FileNotFoundError) as err:
        message = err.args[0] if err.args else str(err)
        print(f'error: {message}', file=sys.stderr)
        return 2
    rows, skipped = look(photos, enhancers, config, checkpoint, args.out, args.score_thr,
                         args.device, progress=not args.no_progress)
    print(tabulate(rows, headers='keys', floatfmt='.3f'))
    with open(osp.join(args.out, 'look.json'), 'w') as f:
        json.dump(dict(detector=config, checkpoint=checkpoint, score_thr=args.score_thr,
                       rows=rows, skipped=[list(s) for s in skipped]), f, indent=1)
    if rows:
        import pandas as pd
        pd.DataFrame(rows).to_csv(osp.join(args.out, 'look.csv'), index=False)
    for path, why in skipped:
        print(f'[look] skipped {path}: {why}', file=sys.stderr)
    print(f'[look] {len(photos) - len(skipped)} photos, {len(skipped)} skipped; written to '
          f'{args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
