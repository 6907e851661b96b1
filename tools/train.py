"""Train a model from a config with mmengine's Runner.

Checkpoints are written so that ``torch.load(..., weights_only=True)`` opens them
(:class:`~sdag_bench.hooks.weights_only_checkpoint_hook.WeightsOnlyCheckpointHook` is added to
every config), so ``--resume`` continues a killed or finished run from the latest checkpoint in
the work dir, while a checkpoint from elsewhere still cannot run code when loaded.

Example:
    python tools/train.py configs/enhancers/zerodce.py --work-dir work_dirs/zerodce
    python tools/train.py configs/enhancers/zerodce.py --work-dir work_dirs/zerodce --resume
    python tools/train.py configs/detectors/demo_retinanet_finetuned.py \
        --cfg-options frozen_enhancer.config=configs/demo_zoo/zerodce.py
"""
import argparse
import os.path as osp
import sys
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from sdag_bench import register_all_modules
from sdag_bench.enhancers.training_consistency import training_enhancer_mismatch
from sdag_bench.utils.checkpoint import CheckpointError, load_checkpoint_file
from sdag_bench.utils.cli_checks import check_launcher
from sdag_bench.utils.image_io import ImageReadError
from sdag_bench.utils.resume_checkpoint import find_resume_checkpoint
from sdag_bench.models.data_preprocessors.frozen_enhancer import apply_frozen_enhancer

CHECKPOINT_FORMAT_HOOK = 'WeightsOnlyCheckpointHook'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a sdag_bench / mmdet model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument('--resume', action='store_true',
                        help="continue the work dir's run from its latest checkpoint (else "
                        "start from load_from: resumed if it is a training state, weights "
                        "only otherwise)")
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_dataloader.dataset.data_root=path')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args(argv)


def add_checkpoint_format_hook(cfg: Config) -> None:
    """Append :class:`WeightsOnlyCheckpointHook` to ``cfg.custom_hooks`` unless it is there.

    Args:
        cfg (Config): The training config (changed in place).
    """
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(hook.get('type') == CHECKPOINT_FORMAT_HOOK for hook in hooks):
        hooks.append(dict(type=CHECKPOINT_FORMAT_HOOK))
    cfg.custom_hooks = hooks


def is_training_checkpoint(checkpoint: dict) -> bool:
    """Whether a loaded checkpoint is a Runner's training state (resumable), not weights only.

    Args:
        checkpoint (dict): What :func:`load_checkpoint_file` returned.

    Returns:
        bool: True when it holds the loop position (``meta``) and the optimizer state.
    """
    return isinstance(checkpoint.get('meta'), dict) and 'optimizer' in checkpoint


def choose_resume_checkpoint(cfg: Config) -> Optional[str]:
    """Set ``cfg.load_from`` and ``cfg.resume`` for ``--resume``.

    ``--resume`` continues the run of the work dir: its newest checkpoint that opens with
    ``weights_only=True`` (:func:`find_resume_checkpoint`: an empty ``last_checkpoint`` or a
    truncated file left by a kill is skipped, and said so) is resumed, whatever ``load_from``
    says. With no checkpoint there yet, a ``load_from`` holding a training state (another run's
    ``iter_N.pth``) is resumed; one holding weights only (e.g. a fine-tuned config's pretrained
    detector) initialises the model as it does without ``--resume`` (mmengine would otherwise try
    to resume from the initial weights); with neither, training starts from iteration 0.

    Args:
        cfg (Config): The training config (``load_from`` and ``resume`` set in place).

    Returns:
        str | None: What is wrong, or None (every start is also said in one line).
    """
    advice = (f' (a checkpoint written without {CHECKPOINT_FORMAT_HOOK}, e.g. by an older '
              'version, can only be turned into weights with tools/export_state_dict.py, on a '
              'file you trust)')
    try:
        chosen, skipped = find_resume_checkpoint(cfg.work_dir)
        initial = None  # load_from is opened only when the work dir has nothing to resume
        if chosen is None and cfg.get('load_from'):
            initial = load_checkpoint_file(cfg.load_from)
    except CheckpointError as err:
        return f'--resume: {err}{advice}'
    for line in skipped:
        print(f'[train] --resume: skipped {line}', flush=True)
    if chosen is not None:
        print(f'[train] --resume: resuming from {chosen}', flush=True)
        cfg.load_from, cfg.resume = chosen, True
    elif initial is not None and is_training_checkpoint(initial):
        print(f'[train] --resume: no checkpoint in {cfg.work_dir}; resuming from load_from '
              f'{cfg.load_from}', flush=True)
        cfg.resume = True
    elif initial is not None:
        print(f'[train] --resume: no checkpoint in {cfg.work_dir}; starting from iteration 0 '
              f'with the weights of load_from {cfg.load_from}', flush=True)
        cfg.resume = False
    else:
        print(f'[train] --resume: no checkpoint in {cfg.work_dir}; starting from iteration 0',
              flush=True)
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    problem = check_launcher(args.launcher)
    if problem:
        print(f'error: {problem}', file=sys.stderr)
        return 2
    register_all_modules()
    cfg = Config.fromfile(args.config)
    problem = training_enhancer_mismatch(cfg)  # would train one enhancer and benchmark another
    if problem:
        print(f'error: {problem}', file=sys.stderr)
        return 2
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.seed is not None:
        cfg.randomness = dict(seed=args.seed, deterministic=False)
    add_checkpoint_format_hook(cfg)
    try:  # frozen_enhancer = dict(config=..., checkpoint=...): train behind a frozen enhancer
        apply_frozen_enhancer(cfg, args.config)
    except (ValueError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    cfg.resume = args.resume
    if args.resume:
        problem = choose_resume_checkpoint(cfg)
        if problem:
            print(f'error: {problem}', file=sys.stderr)
            return 2
    runner = Runner.from_cfg(cfg)
    try:
        runner.train()
    except ImageReadError as err:
        print(f'error: {err} (to skip and count unreadable training images, set '
              'train_dataloader.dataset.skip_bad=True)', file=sys.stderr)
        return 1
    except CheckpointError as err:  # e.g. a guidance checkpoint made for another extractor
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
