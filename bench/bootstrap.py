"""How long the bootstrap intervals of one ExDark-sized cell take, against naive re-evaluation.

A synthetic cell of 2563 test images (ExDark's test split), 12 classes, ~3.3 ground-truth boxes
and ~25 detections an image (``sdag_bench/stats/synthetic.py``). Timed in one process:

1. ``match``: every detection matched once (true/false positive, ``match_voc``).
2. ``intervals``: 1000 seeded resamples -> AP50 and the 12 per-class AP50 of each (vectorised,
   ``voc_ap_draws``), plus the mean of a per-image quality value, and the 95 % intervals.
3. ``naive``: mmdet's ``eval_map`` (area mode, legacy coordinates, as the project's metric) on
   the resampled image lists of a few resamples, extrapolated to 1000.

The AP of those few resamples is compared between both ways (max |delta|). Goal: match +
intervals <= 2 s. Example::

    python bench/bootstrap.py                     # writes results/bench/bootstrap.md
    python bench/bootstrap.py --images 500 --naive 2 --out bootstrap_small.md
"""
import argparse
import os
import os.path as osp
import platform
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
# the synthetic cells of the tests (tests/synthetic_cells.py; test data, not part of the package)
sys.path.insert(0, osp.join(ROOT, 'tests'))

from sdag_bench.stats import (bootstrap_weights, match_voc, percentile_interval,  # noqa: E402
                              voc_ap_draws, weighted_mean_draws)
from synthetic_cells import eval_map_inputs, synthetic_cell  # noqa: E402


def coco_annotations(predictions, truth, num_classes: int) -> dict:
    """The synthetic ground truth as a COCO json (ignored boxes as crowd)."""
    images, anns = [], []
    for img_id in predictions['img_ids']:
        images.append(dict(id=int(img_id), width=640, height=640))
        gt = truth[int(img_id)]
        for boxes, labels, crowd in ((gt['bboxes'], gt['labels'], 0),
                                     (gt['bboxes_ignore'], gt['labels_ignore'], 1)):
            for box, label in zip(boxes.tolist(), labels):
                w, h = box[2] - box[0], box[3] - box[1]
                anns.append(dict(id=len(anns) + 1, image_id=int(img_id), iscrowd=crowd,
                                 category_id=int(label) + 1, bbox=[box[0], box[1], w, h],
                                 area=w * h))
    return dict(images=images, annotations=anns,
                categories=[dict(id=c + 1, name=str(c)) for c in range(num_classes)])


def best_of(repeats: int, fn):
    """(best wall time in s, last result) of ``repeats`` calls."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=int, default=2563)
    parser.add_argument('--classes', type=int, default=12)
    parser.add_argument('--draws', type=int, default=1000)
    parser.add_argument('--naive', type=int, default=3, help='resamples timed with eval_map')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--out', default='results/bench/bootstrap.md')
    args = parser.parse_args(argv)
    from mmdet.evaluation.functional import eval_map

    predictions, truth = synthetic_cell(args.images, args.classes, seed=0)
    quality = np.random.default_rng(1).normal(4.0, 0.5, args.images)
    num_gts = sum(len(t['labels']) for t in truth.values())
    t_match, matches = best_of(args.repeats, lambda: match_voc(predictions, truth, args.classes))

    def intervals():
        weights = bootstrap_weights(args.images, args.draws, seed=0)
        mean, per_class = voc_ap_draws(matches, weights)
        quality_draws = weighted_mean_draws(quality, weights)
        return (weights, mean, per_class,
                [percentile_interval(mean), percentile_interval(quality_draws)] +
                [percentile_interval(per_class[:, c]) for c in range(args.classes)])

    t_intervals, (weights, mean, per_class, cis) = best_of(args.repeats, intervals)
    naive_times, deltas = [], []
    for b in range(args.naive):
        start = time.perf_counter()
        dets, anns = eval_map_inputs(predictions, truth, args.classes, weights[b])
        ref, _ = eval_map(dets, anns, iou_thr=0.5, eval_mode='area', use_legacy_coordinate=True,
                          logger='silent', nproc=1)
        naive_times.append(time.perf_counter() - start)
        deltas.append(abs(ref - mean[b]))
    t_naive = float(np.mean(naive_times)) * args.draws
    from sdag_bench.stats.coco_matching import coco_map_draws, match_coco
    annotations = coco_annotations(predictions, truth, args.classes)
    t_coco_match, coco_matches = best_of(1, lambda: match_coco(predictions, annotations))
    t_coco, _ = best_of(1, lambda: coco_map_draws(coco_matches, weights))
    ours = t_match + t_intervals
    lines = [
        '# Bootstrap intervals: vectorised resampling vs naive re-evaluation',
        '',
        f'`python bench/bootstrap.py` on {platform.processor() or platform.machine()}, '
        f'{os.cpu_count()} CPUs visible, OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")}, '
        f'numpy {np.__version__}; best of {args.repeats}; load average '
        f'{", ".join(f"{v:.1f}" for v in os.getloadavg())} (a shared machine).',
        '',
        f'Synthetic cell: {args.images} images, {args.classes} classes, {num_gts} ground-truth '
        f'boxes, {len(predictions["scores"])} detections '
        f'({len(predictions["scores"]) / args.images:.1f} per image); {args.draws} resamples.',
        '',
        '| step | time (s) |',
        '|---|---|',
        f'| match every detection once (`match_voc`) | {t_match:.3f} |',
        f'| {args.draws} resamples: AP50 + {args.classes} per-class AP50 + a quality mean, '
        f'95 % intervals | {t_intervals:.3f} |',
        f'| **total, ours** | **{ours:.3f}** (goal <= 2 s) |',
        f'| naive: mmdet `eval_map` per resample (mean of {args.naive} timed: '
        f'{np.mean(naive_times):.3f} s) x {args.draws} | {t_naive:.1f} (extrapolated) |',
        f'| **speed-up** | **{t_naive / ours:.0f}x** |',
        f'| COCO mAP (IoU 0.50:0.95, 101 points): match once | {t_coco_match:.3f} |',
        f'| COCO mAP: {args.draws} resamples | {t_coco:.3f} |',
        '',
        f'AP50 of the {args.naive} timed resamples, ours vs `eval_map`: max |delta| = '
        f'{max(deltas):.2e} (eval_map accumulates in float32).',
        f'AP50 95 % interval: [{cis[0][0]:.4f}, {cis[0][1]:.4f}]; plain AP50 '
        f'{float(voc_ap_draws(matches, np.ones((1, args.images), np.int32))[0][0]):.4f}.',
        '',
    ]
    text = '\n'.join(lines)
    print(text)
    if args.out:
        os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
