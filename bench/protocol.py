"""What the ExDark protocol costs on this machine, measured on real photos of ExDark-like sizes.

Sections (CPU unless ``--device``; every timing is the best of ``--repeats``, the compared variants
alternate photo by photo in one process so that they see the same machine load):

1. ``variants``: Zero-DCE + YOLOv3-tiny (darknet weights, 416 px stretch) per photo, three ways:
   - native (the benchmark's protocol): decode, enhance at the photo's own size, round to 8 bits,
     the detector's own resize, detector;
   - after resize: decode, the detector's resize, enhance at 416 x 416, detector;
   - PNG round trip (what a researcher does with mmdet's ``tools/test.py``): native, plus writing
     the enhanced image as PNG and reading it back.
2. ``stages``: per-megapixel rates of decoding, NIQE and every enhancer row of
   ``configs/benchmark/exdark.py`` (``--enhancers all``) at native size, and per-image times of
   three detectors (YOLOv3-tiny 416, YOLOv3-D53 608, RTMDet-L 640; the last two with random
   weights, which changes nothing but the boxes NMS sees), then the projected time of the ExDark
   test split (2563 images) for 20 enhancers x 3 detectors, per stage.

Example::

    python bench/protocol.py                   # ~10 min on 2 cores; results/bench/protocol.md
    python bench/protocol.py --tiny --out /tmp/protocol.md   # a toy size: checks it runs
"""
import argparse
import os
import os.path as osp
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mmdet.structures import DetDataSample  # noqa: E402
from mmengine.config import Config  # noqa: E402

from sdag_bench import register_all_modules  # noqa: E402
from sdag_bench.benchmark.run.detector_transforms import (  # noqa: E402
    DetectorTestTransforms, to_uint8_images)
from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector  # noqa: E402
from sdag_bench.benchmark.plan.planner import discover_enhancers, load_enhancer_spec  # noqa: E402
from sdag_bench.enhancers.builder import build_enhancer_from_config  # noqa: E402
from sdag_bench.metrics.niqe import niqe  # noqa: E402
from sdag_bench.transforms.loading import LoadImageRobust  # noqa: E402

ASSETS = Path(os.environ.get('SDAG_SHARED_ASSETS', ROOT.parent / 'shared' / 'assets'))
#: Real low-light photos, 500 x 375 .. 1080 x 720: the five ExDark photos, DICM, LIME, DARK FACE.
PHOTOS = [
    'vis-opt-group+SCI/data/difficult/2015_05885.jpg',  # 500 x 375, ExDark
    'vis-opt-group+SCI/data/difficult/2015_05886.jpg',  # 500 x 375, ExDark
    'vis-opt-group+SCI/data/difficult/2015_02057.jpg',  # 640 x 427, ExDark
    'vis-opt-group+SCI/data/difficult/2015_02154.jpg',  # 640 x 427, ExDark
    'vis-opt-group+SCI/data/difficult/2015_02243.jpg',  # 1023 x 612, ExDark
    'Li-Chongyi+Zero-DCE/test_data/DICM/01.jpg',
    'Li-Chongyi+Zero-DCE/test_data/DICM/05.jpg',
    'Li-Chongyi+Zero-DCE/test_data/DICM/10.jpg',
    'Li-Chongyi+Zero-DCE/test_data/DICM/40.jpg',
    'Li-Chongyi+Zero-DCE/test_data/LIME/10.bmp',
    'vis-opt-group+SCI/data/difficult/234.png',  # 1080 x 720, DARK FACE
    'vis-opt-group+SCI/data/difficult/644.png',  # 1080 x 720, DARK FACE
]
DETECTORS = {
    'YOLOv3-tiny 416 (darknet weights)': ('configs/detectors/exdark/yolov3_tiny_coco.py',
                                          'checkpoints/darknet/yolov3_tiny_coco.pth'),
    'YOLOv3-D53 608 (random weights)': ('configs/detectors/exdark/yolov3_d53_coco.py', None),
    'RTMDet-L 640 (random weights)': ('configs/detectors/exdark/rtmdet_l_coco.py', None),
}
ZERO_DCE = 'configs/enhancers/zerodce.py'
EXDARK_TEST_IMAGES = 2563
#: The photos every enhancer and detector is timed on in section 2 (640 x 427 and 1023 x 612).
SUBSET = ('2015_02057.jpg', '2015_02243.jpg')


def best_of(fn: Callable[[], object], repeats: int) -> Tuple[float, object]:
    """Best wall time (s) of ``repeats`` calls, and the last result."""
    best, result = float('inf'), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def load(path: str) -> np.ndarray:
    """Decode as the benchmark does (uint8 BGR)."""
    return LoadImageRobust().transform(dict(img_path=path))['img']


def enhance(enhancer: torch.nn.Module, bgr: np.ndarray, device: str) -> np.ndarray:
    """Enhance a uint8 BGR image at its size, rounded to 8 bits (the benchmark's shared image)."""
    x = torch.from_numpy(np.ascontiguousarray(bgr[..., ::-1])).permute(2, 0, 1)[None]
    with torch.inference_mode():
        y = enhancer(x.to(device).float() / 255)[0].flip(0) * 255  # RGB -> loading order BGR
    return to_uint8_images([y])[0]


def sample_of(path: str, bgr: np.ndarray) -> DetDataSample:
    h, w = bgr.shape[:2]
    return DetDataSample(metainfo=dict(img_id=0, img_path=path, ori_shape=(h, w),
                                       img_shape=(h, w), scale_factor=(1.0, 1.0)))


def detect(detector, transforms: DetectorTestTransforms, bgr: np.ndarray, path: str):
    """The detector's own resize, then ``test_step`` (as the benchmark's ``run_detector``)."""
    inputs, samples = transforms([bgr], [sample_of(path, bgr)])
    with torch.inference_mode():
        return detector.test_step(dict(inputs=inputs, data_samples=samples))


def section_variants(photos: List[str], repeats: int, device: str, lines: List[str]) -> None:
    det_cfg, det_ckpt = DETECTORS['YOLOv3-tiny 416 (darknet weights)']
    det_ckpt = str(ROOT / det_ckpt) if osp.isfile(ROOT / det_ckpt) else None
    detector = build_frozen_detector(str(ROOT / det_cfg), det_ckpt, device)
    transforms = DetectorTestTransforms(str(ROOT / det_cfg))
    # timing only: without the official file (tools/convert_official.py) Zero-DCE keeps random
    # weights, which cost the same
    official = Config.fromfile(str(ROOT / ZERO_DCE)).checkpoint
    enhancer = build_enhancer_from_config(
        ROOT / ZERO_DCE, checkpoint=None if osp.isfile(ROOT / official) else '', device=device)
    stages: Dict[str, List[float]] = {k: [] for k in (
        'decode', 'enhance native', 'resize + detector', 'resize', 'enhance 416',
        'detector on 416', 'PNG write', 'PNG read')}
    tmp = tempfile.mkdtemp(prefix='protocol_bench_')
    for path in photos:
        print(f'[protocol] {Path(path).name}', file=sys.stderr, flush=True)
        bgr = load(path)
        stages['decode'].append(best_of(lambda: load(path), repeats)[0])
        t, enhanced = best_of(lambda: enhance(enhancer, bgr, device), repeats)
        stages['enhance native'].append(t)
        stages['resize + detector'].append(
            best_of(lambda: detect(detector, transforms, enhanced, path), repeats)[0])
        t, (resized, resized_samples) = best_of(
            lambda: transforms([bgr], [sample_of(path, bgr)]), repeats)
        stages['resize'].append(t)
        small = resized[0].permute(1, 2, 0).numpy()
        t, small_enhanced = best_of(lambda: enhance(enhancer, small, device), repeats)
        stages['enhance 416'].append(t)
        tensor = torch.from_numpy(small_enhanced).permute(2, 0, 1)

        def detect_small():
            with torch.inference_mode():
                return detector.test_step(dict(inputs=[tensor], data_samples=resized_samples))
        stages['detector on 416'].append(best_of(detect_small, repeats)[0])
        png = osp.join(tmp, Path(path).stem + '.png')
        stages['PNG write'].append(best_of(lambda: cv2.imwrite(png, enhanced), repeats)[0])
        stages['PNG read'].append(best_of(lambda: load(png), repeats)[0])
        os.remove(png)
    os.rmdir(tmp)
    s = {k: float(np.sum(v)) for k, v in stages.items()}
    variants = {
        'native (the protocol): decode + enhance native + resize + detector':
            s['decode'] + s['enhance native'] + s['resize + detector'],
        'after resize: decode + resize + enhance 416 + detector':
            s['decode'] + s['resize'] + s['enhance 416'] + s['detector on 416'],
        'PNG round trip: native + PNG write + PNG read':
            s['decode'] + s['enhance native'] + s['resize + detector'] + s['PNG write'] +
            s['PNG read'],
    }
    n = len(photos)
    lines += ['## 1. Native-resolution enhancement vs enhancing after the resize vs a PNG round '
              'trip', '', f'Zero-DCE + YOLOv3-tiny, {n} photos, best of {repeats}.', '',
              '| stage | ms/image |', '|---|---|']
    lines += [f'| {k} | {1000 * v / n:.1f} |' for k, v in s.items()]
    lines += ['', '| variant | images/s | time / native |', '|---|---|---|']
    native = list(variants.values())[0]
    lines += [f'| {k} | {n / v:.2f} | {v / native:.3f} |' for k, v in variants.items()]
    lines.append('')


def _rate(fn: Callable[[np.ndarray, str], object], photos: List[str], images: Dict[str, np.ndarray],
          repeats: int) -> float:
    """Seconds per megapixel of ``fn(image, path)`` over the photos."""
    total_s = sum(best_of(lambda: fn(images[p], p), repeats)[0] for p in photos)
    return total_s / sum(images[p].shape[0] * images[p].shape[1] / 1e6 for p in photos)


def section_stages(photos: List[str], repeats: int, device: str, lines: List[str],
                   enhancers: Optional[Sequence[str]] = None,
                   detectors: Optional[Dict[str, Tuple[str, Optional[str]]]] = None) -> None:
    """Per-megapixel rates of every stage and the projected ExDark test split.

    Args:
        enhancers (Sequence[str], optional): Enhancer rows to time (default: every row of the
            ExDark benchmark).
        detectors (dict, optional): Label -> (config, checkpoint) (default: :data:`DETECTORS`).
    """
    images = {p: load(p) for p in photos}
    mean_mp = float(np.mean([im.shape[0] * im.shape[1] / 1e6 for im in images.values()]))
    subset = [p for p in photos if Path(p).name in SUBSET]
    decode = _rate(lambda im, p: load(p), photos, images, repeats)
    quality = _rate(lambda im, p: niqe(torch.from_numpy(
        np.ascontiguousarray(im[..., ::-1])).permute(2, 0, 1)[None].float() / 255), subset,
        images, 1)
    rows = []
    bench = Config.fromfile(str(ROOT / 'configs/benchmark/exdark.py'))
    for name, spec in discover_enhancers([str(ROOT / d) for d in bench.enhancer_dirs]).items():
        if enhancers is not None and name not in enhancers:
            continue
        spec = load_enhancer_spec(spec)
        if spec.checkpoint and not osp.isfile(spec.checkpoint):
            continue
        enhancer = build_enhancer_from_config(spec.config, spec.checkpoint, device)
        enhance(enhancer, images[subset[0]][:64, :64], device)  # warm-up
        rows.append((name, _rate(lambda im, p: enhance(enhancer, im, device), subset, images,
                                 repeats)))
        print(f'[protocol] {name}: {rows[-1][1]:.3f} s/MP', file=sys.stderr, flush=True)
    detectors = []
    for label, (config, checkpoint) in (detectors or DETECTORS).items():
        checkpoint = str(ROOT / checkpoint) if checkpoint and osp.isfile(ROOT / checkpoint) \
            else None
        detector = build_frozen_detector(str(ROOT / config), checkpoint, device)
        transforms = DetectorTestTransforms(str(ROOT / config))
        detect(detector, transforms, images[subset[0]][:64, :64], subset[0])  # warm-up
        per_image = np.mean([best_of(lambda: detect(detector, transforms, images[p], p),
                                     repeats)[0] for p in subset])
        detectors.append((label, float(per_image)))
    lines += ['## 2. Stages and the projected ExDark test split', '',
              f'Rates on {len(photos)} photos (decoding) and {len(subset)} of them (the rest), '
              f'mean {mean_mp:.2f} MP per photo, best of {repeats}.', '',
              '| stage | rate |', '|---|---|',
              f'| decode (LoadImageRobust) | {decode:.3f} s/MP |',
              f'| NIQE (on the enhanced image) | {quality:.3f} s/MP |']
    lines += [f'| enhance: {name} | {rate:.3f} s/MP |' for name, rate in rows]
    lines += [f'| detector: {label} (own resize + test_step) | {t * 1000:.0f} ms/image |'
              for label, t in detectors]
    enhance_sum = sum(rate for _, rate in rows) * 20 / len(rows)
    for mp, where in ((0.258, 'the mean size in the YOLO label cache, a copy of ExDark '
                       'downscaled to at most 640 px: a lower bound'),
                      (mean_mp, 'the mean of the photos measured here')):
        total_mp = EXDARK_TEST_IMAGES * mp
        hours = {
            'decode (once per enhancer)': 20 * total_mp * decode,
            f'enhance (the {len(rows)} rows measured, scaled to 20)': total_mp * enhance_sum,
            'NIQE (once per enhancer)': 20 * total_mp * quality,
            'detectors (20 enhancers x 3 detectors)':
                20 * EXDARK_TEST_IMAGES * sum(t for _, t in detectors),
        }
        lines += ['', f'Projected: {EXDARK_TEST_IMAGES} images at {mp:.2f} MP ({where}), '
                  '20 enhancers x 3 detectors, one process on this machine:', '',
                  '| stage | hours |', '|---|---|']
        lines += [f'| {k} | {v / 3600:.2f} |' for k, v in hours.items()]
        lines.append(f'| **total** | **{sum(hours.values()) / 3600:.2f}** |')
    lines.append('')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', default='variants,stages')
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--photos', type=int, default=len(PHOTOS),
                        help='section 1: the first N photos')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--tiny', action='store_true',
                        help='a toy size (2 photos, one repeat, 2 enhancer rows, YOLOv3-tiny '
                        'only): checks that the script runs; its numbers mean nothing')
    parser.add_argument('--out', default=str(ROOT / 'results/bench/protocol.md'))
    args = parser.parse_args(argv)
    if not ASSETS.is_dir():
        print(f'error: the real photos are read from {ASSETS} (set SDAG_SHARED_ASSETS)',
              file=sys.stderr)
        return 2
    register_all_modules()
    photos = [str(ASSETS / p) for p in PHOTOS]
    stages = {}
    if args.tiny:
        photos = [p for p in photos if Path(p).name in SUBSET]
        args.repeats, args.photos = 1, 1
        stages = dict(enhancers=('identity', 'zerodce'),
                      detectors=dict(list(DETECTORS.items())[:1]))
    cpu = platform.processor() or platform.machine()
    lines = ['# bench/protocol.py', '',
             f'Machine: {cpu}, {os.cpu_count()} cores, torch {torch.__version__} '
             f'({torch.get_num_threads()} threads), device {args.device}.', '',
             f"Command: `python bench/protocol.py{' ' + ' '.join(argv or sys.argv[1:])}`", '']
    for name in ('variants', 'stages'):
        if name in args.only.split(','):
            start, load_before = time.perf_counter(), os.getloadavg()[0]
            if name == 'variants':
                section_variants(photos[:args.photos], args.repeats, args.device, lines)
            else:
                section_stages(photos, args.repeats, args.device, lines, **stages)
            lines.append(f'_(section took {time.perf_counter() - start:.0f} s; machine load '
                         f'average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, '
                         f'on {os.cpu_count()} cores: other processes share them)_\n')
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines).rstrip() + '\n')
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())
