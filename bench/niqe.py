"""NIQE speed and agreement: ``sdag_bench.metrics.niqe`` (torch) vs the plain numpy reference.

Runs both on the same photos (default: the 64 DICM photos of the Zero-DCE release in
``../shared/assets``), alternating image by image so both see the same machine load, and prints
the speed ratio (goal >= 5x) and the largest absolute difference (goal < 1e-3). The reference
computes the AGGD shape table once; ``--basicsr-tables`` also times it recomputing the table in
every fit, as BasicSR's ``estimate_aggd_param`` does.

Example::

    python bench/niqe.py
    python bench/niqe.py --images path/to/folder --limit 16
"""
import argparse
import importlib.util
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from sdag_bench.metrics.niqe import load_niqe_params, niqe

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IMAGES = ROOT.parent / 'shared' / 'assets' / 'Li-Chongyi+Zero-DCE' / 'test_data' / 'DICM'


def load_reference():
    """Import ``tests/test_metrics/niqe_reference.py`` by path."""
    path = ROOT / 'tests' / 'test_metrics' / 'niqe_reference.py'
    spec = importlib.util.spec_from_file_location('niqe_reference', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=Path, default=DEFAULT_IMAGES, help='folder of photos')
    parser.add_argument('--limit', type=int, default=0, help='use the first N photos (0: all)')
    parser.add_argument('--basicsr-tables', action='store_true',
                        help='also time the reference with per-fit tables (as BasicSR)')
    args = parser.parse_args()
    paths = sorted(p for p in args.images.iterdir()
                   if p.suffix.lower() in ('.jpg', '.jpeg', '.png', '.bmp'))
    paths = paths[:args.limit] if args.limit else paths
    if not paths:
        raise SystemExit(f'no images in {args.images}')
    ref = load_reference()
    mu, cov = load_niqe_params()
    rgbs = [np.array(Image.open(p).convert('RGB')) for p in paths]
    tensors = [torch.from_numpy(a).permute(2, 0, 1)[None].float() / 255 for a in rgbs]
    niqe(tensors[0])  # warm-up: tables, allocator
    ref.niqe_reference(ref.rgb_to_y(rgbs[0]), mu, cov)

    wall = dict(ref=0., ours=0., basicsr=0.)
    cpu = dict(ref=0., ours=0., basicsr=0.)
    ours_scores, ref_scores = [], []
    for rgb, x in zip(rgbs, tensors):
        w0, c0 = time.perf_counter(), time.process_time()
        ref_scores.append(ref.niqe_reference(ref.rgb_to_y(rgb), mu, cov))
        w1, c1 = time.perf_counter(), time.process_time()
        ours_scores.append(niqe(x).item())
        w2, c2 = time.perf_counter(), time.process_time()
        wall['ref'] += w1 - w0
        wall['ours'] += w2 - w1
        cpu['ref'] += c1 - c0
        cpu['ours'] += c2 - c1
        if args.basicsr_tables:
            ref.niqe_reference(ref.rgb_to_y(rgb), mu, cov, per_call_tables=True)
            wall['basicsr'] += time.perf_counter() - w2
            cpu['basicsr'] += time.process_time() - c2

    # batched: the metric scores images of one size as one batch
    by_size = defaultdict(list)
    for i, x in enumerate(tensors):
        by_size[tuple(x.shape)].append(i)
    batches = [torch.cat([tensors[i] for i in group]) for group in by_size.values()]
    w0, c0 = time.perf_counter(), time.process_time()
    batched = {}
    for group, batch in zip(by_size.values(), batches):
        for i, value in zip(group, niqe(batch).tolist()):
            batched[i] = value
    wall_batched, cpu_batched = time.perf_counter() - w0, time.process_time() - c0

    ours_arr, ref_arr = np.array(ours_scores), np.array(ref_scores)
    delta = np.abs(ours_arr - ref_arr)
    batched_delta = np.abs(np.array([batched[i] for i in range(len(paths))]) - ref_arr)
    n = len(paths)
    print(f'NIQE on {n} photos from {args.images.name} '
          f'(torch {torch.__version__}, {torch.get_num_threads()} threads available; '
          'ours runs on 1)')
    print(f'  numpy reference : {wall["ref"] / n * 1e3:8.1f} ms/img wall, '
          f'{cpu["ref"] / n * 1e3:8.1f} ms/img CPU')
    print(f'  ours, per image : {wall["ours"] / n * 1e3:8.1f} ms/img wall, '
          f'{cpu["ours"] / n * 1e3:8.1f} ms/img CPU')
    print(f'  ours, batched   : {wall_batched / n * 1e3:8.1f} ms/img wall, '
          f'{cpu_batched / n * 1e3:8.1f} ms/img CPU ({len(by_size)} size groups)')
    print(f'  speed ratio     : {wall["ref"] / wall["ours"]:.2f}x wall, '
          f'{cpu["ref"] / cpu["ours"]:.2f}x CPU per image; '
          f'{wall["ref"] / wall_batched:.2f}x wall, {cpu["ref"] / cpu_batched:.2f}x CPU batched '
          '(goal >= 5x)')
    if args.basicsr_tables:
        print(f'  reference with BasicSR-style per-fit tables: {cpu["basicsr"] / n * 1e3:.1f} '
              f'ms/img CPU, ratio {cpu["basicsr"] / cpu["ours"]:.2f}x CPU, '
              f'{wall["basicsr"] / wall["ours"]:.2f}x wall')
    print(f'  max |delta|     : {delta.max():.2e} per image, {batched_delta.max():.2e} batched '
          f'(goal < 1e-3); mean NIQE {ref_arr.mean():.4f}')


if __name__ == '__main__':
    main()
