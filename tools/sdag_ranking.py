"""Measure a pretrained SDAG net's ranking accuracy on held-out photos, per degradation factor.

For every held-out image (the config's training set with ``split='held_out'``, or any folder)
and every degradation factor of the config's ``model.degradations``: is the degraded copy
reconstructed worse (1 - cos) than the clean image? Prints a markdown table and can write JSON.

Example:
    python tools/sdag_ranking.py configs/sdag/sdag_pretrain_yolov3_tiny.py \
        --checkpoint work_dirs/sdag_yolov3_tiny/iter_600.pth --out ranking.json
    python tools/sdag_ranking.py configs/sdag/sdag_pretrain_yolov3_tiny.py   # untrained net
"""
import argparse
import json
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config

from sdag_bench import register_all_modules
from sdag_bench.utils.checkpoint import CheckpointError, extract_state_dict, load_checkpoint_file
from sdag_bench.datasets.image_folders import list_images
from sdag_bench.registry import DATASETS, MODELS
from sdag_bench.sdag.ranking import load_eval_image, ranking_accuracy


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='SDAG pretraining config (model = SDAGPretrainModel)')
    parser.add_argument('--checkpoint', help='trained weights: an mmengine iter_N.pth or an '
                        'exported state dict (default: the untrained net)')
    parser.add_argument('--images', help='a folder of images instead of the held-out split')
    parser.add_argument('--max-side', type=int, default=256,
                        help='images are shrunk to this longest side (0: full size)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the degradations')
    parser.add_argument('--out', help='write the numbers as JSON here')
    return parser.parse_args(argv)


def held_out_paths(cfg: Config) -> list:
    """The held-out split of the config's training dataset (which must support ``split``)."""
    dataset_cfg = dict(cfg.train_dataloader.dataset)
    if 'split' not in dataset_cfg:
        raise ValueError(f'the training dataset {dataset_cfg.get("type")} has no held-out split: '
                         'pass --images FOLDER')
    dataset_cfg.update(split='held_out', crop_size=None)
    return DATASETS.build(dataset_cfg).paths


def load_trained(model: torch.nn.Module, path: str) -> None:
    """Fill the model from a training checkpoint of ``tools/train.py`` or a plain state dict.

    Both open with ``weights_only=True`` (``tools/train.py`` writes its checkpoints so), so a
    file that would run code is refused whatever its name.
    """
    state = extract_state_dict(load_checkpoint_file(path), path)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise KeyError(f'{path} does not fit the model: missing {missing[:5]}, '
                       f'unexpected {unexpected[:5]}')


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules()
    torch.manual_seed(0)
    cfg = Config.fromfile(args.config)
    try:
        paths = list_images(args.images) if args.images else held_out_paths(cfg)
        model = MODELS.build(cfg.model)
        if args.checkpoint:
            load_trained(model, args.checkpoint)
    except (FileNotFoundError, KeyError, ValueError, CheckpointError) as err:
        print(f'error: {err.args[0] if err.args else err}', file=sys.stderr)
        return 2
    images = (load_eval_image(p, args.max_side or None) for p in paths)
    results = ranking_accuracy(model.net, model.degradations, images, seed=args.seed)
    clean = next(iter(results.values()))['clean_error'] if results else float('nan')
    print(f'{len(paths)} images, checkpoint {args.checkpoint or "none (untrained)"}; clean '
          f'photos reconstructed with mean 1 - cos = {clean:.4f}\n')
    print('| factor | degraded reconstructed worse | mean gap (1 - cos) |')
    print('|---|---|---|')
    for name, r in results.items():
        print(f"| {name} | {r['ranked']:.1%} ({round(r['ranked'] * r['images'])}/{r['images']}) "
              f"| {r['mean_gap']:+.4f} |")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           images=[osp.basename(p) for p in paths], max_side=args.max_side,
                           seed=args.seed, factors=results), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
