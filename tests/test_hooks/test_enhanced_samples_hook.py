"""EnhancedSamplesHook: grids of input | enhanced | SDAG reconstruction | error map."""
import cv2
import numpy as np
import pytest
import torch

from sdag_bench.hooks.enhanced_samples_hook import EnhancedSamplesHook, error_map, make_grid
from sdag_runner_utils import build_runner, guided_config, write_dark_images, write_sdag_checkpoint


def test_make_grid_layout():
    a = torch.zeros(2, 3, 5, 7)
    b = torch.ones(2, 3, 5, 7)
    grid = make_grid([a, b], pad=1)
    assert grid.shape == (2 * 6 + 1, 2 * 8 + 1, 3) and grid.dtype == np.uint8
    assert (grid[1:6, 1:8] == 0).all() and (grid[1:6, 9:16] == 255).all()


def test_error_map_is_zero_for_perfect_reconstruction():
    x = torch.rand(1, 3, 4, 4)
    same, far = error_map(x, x), error_map(x, 1 - x, scale=100)
    assert same.shape == (1, 3, 4, 4)
    # JET: zero error is dark blue, a large error is dark red
    assert same[0, 2].min() > same[0, 0].max() and far[0, 0].min() > far[0, 2].max()


def test_grids_written_during_guided_training(tmp_path):
    data = write_dark_images(tmp_path / 'dark')
    ckpt = write_sdag_checkpoint(tmp_path / 'sdag.pth')
    cfg = guided_config('configs/sdag/zerodce_sdag.py', tmp_path / 'work', data, ckpt,
                        max_iters=2, crop_size=24)
    runner = build_runner(cfg)
    runner.train()
    for it in (1, 2):
        grid = cv2.imread(str(tmp_path / 'work' / 'samples' / f'iter_{it:06d}.png'))
        assert grid is not None
        assert grid.shape == (2 * 26 + 2, 4 * 26 + 2, 3)  # 2 images x 4 columns of 24 px + pad
    # without an SDAG loss: input | enhanced
    hook = EnhancedSamplesHook(interval=1, max_samples=1)
    runner.model.losses.pop('loss_sdag')
    batch = next(iter(runner.train_dataloader))
    assert hook.render(runner.model, batch).shape == (26 + 2, 2 * 26 + 2, 3)
    with pytest.raises(ValueError):
        EnhancedSamplesHook(interval=0)
