"""Helpers shared by the SDAG hook and config tests: tiny image folders, SDAG weights, runners."""
import os.path as osp
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from sdag_bench.sdag.semantic_aware_net import SemanticAwareNet

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def write_dark_images(folder: Path, num: int = 4, size: int = 40, seed: int = 0) -> Path:
    """Write ``num`` small dark RGB PNGs (smooth colour fields + shapes) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(num):
        img = rng.uniform(0.2, 0.8, 3) * xx[..., None] + rng.uniform(0.2, 0.8, 3) * yy[..., None]
        cx, cy = rng.uniform(0.3, 0.7, 2)
        img[((xx - cx)**2 + (yy - cy)**2) < 0.04] = rng.uniform(0, 1, 3)
        img = (np.clip(img * 0.25, 0, 1) * 255).astype(np.uint8)
        cv2.imwrite(str(folder / f'{i:03d}.png'), img[..., ::-1])
    return folder


def write_sdag_checkpoint(path: Path, seed: int = 0) -> Path:
    """Save a randomly initialised (VGG-slice) SemanticAwareNet as a plain state dict."""
    torch.manual_seed(seed)
    torch.save(SemanticAwareNet().state_dict(), path)
    return path


def guided_config(config: str, work_dir: Path, data_root: Path, sdag_checkpoint: Optional[Path],
                  max_iters: int = 2, crop_size: int = 32) -> Config:
    """Load a project config and shrink it to a few CPU iterations on ``data_root``."""
    cfg = Config.fromfile(str(PROJECT_ROOT / config))
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.dataset.data_root = str(data_root)
    cfg.train_dataloader.dataset.crop_size = crop_size
    cfg.train_cfg.max_iters = max_iters
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = max_iters
    cfg.log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
    for hook in cfg.get('custom_hooks', []):
        if hook['type'] == 'SDAGGuidanceHook' and sdag_checkpoint is not None:
            # a random VGG-slice SDAG from write_sdag_checkpoint; None keeps the config's own
            hook['sdag'] = dict(type='SemanticAwareNet')
            hook['checkpoint'] = str(sdag_checkpoint)
        if hook['type'] == 'EnhancedSamplesHook':
            hook['interval'] = 1
    return cfg


def build_runner(cfg: Config) -> Runner:
    """A Runner from ``cfg`` with a unique experiment name (tests may run within one second),
    saving checkpoints as ``tools/train.py`` does (``weights_only=True`` opens them)."""
    from tools.train import add_checkpoint_format_hook
    cfg.experiment_name = osp.basename(cfg.work_dir)
    add_checkpoint_format_hook(cfg)
    return Runner.from_cfg(cfg)
