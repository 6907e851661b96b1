"""SDAG over YOLOv3-tiny's stem: the pretraining config trains through tools/train.py, the
held-out split of the real photos, and the ranking measurement."""
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from sdag_bench.datasets.unpaired_image_list import UnpairedImageList, split_paths
from sdag_bench.registry import MODELS
from sdag_bench.sdag.degradations import GammaDegradation
from sdag_bench.sdag.ranking import ranking_accuracy

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/sdag/sdag_pretrain_yolov3_tiny.py'
FACTORS = ['gamma', 'noise', 'exposure', 'poisson_gaussian', 'colour_cast', 'blur']


def _write_photos(folder: Path, num: int, size: int = 48) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(num):
        cv2.imwrite(str(folder / f'{i:02d}.png'),
                    rng.integers(0, 90, (size, size + 8, 3), dtype=np.uint8))
    return folder


def test_held_out_split_is_every_fourth_photo_of_each_folder(tmp_path):
    first, second = _write_photos(tmp_path / 'a', 9), _write_photos(tmp_path / 'b', 3)
    held = UnpairedImageList([str(first), str(second)], split='held_out', crop_size=None)
    train = UnpairedImageList([str(first), str(second)], split='train', crop_size=None)
    names = [Path(p).relative_to(tmp_path).as_posix() for p in held.paths]
    assert names == ['a/00.png', 'a/04.png', 'a/08.png', 'b/00.png']
    assert len(train) == 12 - 4 and not set(train.paths) & set(held.paths)
    with pytest.raises(ValueError, match='split must be one of'):
        split_paths(['x'], 'test', 4)


def test_config_trains_one_step_through_tools_train(tmp_path):
    """The config as a user runs it, with a random YOLOv3-tiny backbone and tiny photos: one
    iteration, a checkpoint with the frozen stem untouched and a term per degradation factor."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(PROJECT_ROOT / CONFIG))
    assert cfg.model.net.extractor.type == 'DetectorStem'
    detector_cfg = Config.fromfile(str(PROJECT_ROOT / cfg.model.net.extractor.config))
    torch.manual_seed(0)
    backbone = MODELS.build(detector_cfg.model.backbone)
    weights = tmp_path / 'yolov3_tiny_random.pth'
    torch.save({f'backbone.{k}': v for k, v in backbone.state_dict().items()}, weights)
    photos = _write_photos(tmp_path / 'photos', 8)
    work = tmp_path / 'work'
    run = subprocess.run(
        [sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work), '--cfg-options',
         f'model.net.extractor.checkpoint={weights}',
         f'train_dataloader.dataset.data_roots=[{photos}]', 'train_dataloader.batch_size=2',
         'train_dataloader.dataset.crop_size=32', 'train_cfg.max_iters=1',
         'default_hooks.logger.interval=1'],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    state = torch.load(work / 'iter_1.pth', map_location='cpu', weights_only=False)['state_dict']
    # the stem (conv 3->16, pool, conv 16->32) holds the detector's weights, unchanged
    assert torch.equal(state['net.extractor.layers.0.conv.weight'],
                       backbone.state_dict()['convs.0.conv.weight'])
    assert torch.equal(state['net.extractor.layers.2.conv.weight'],
                       backbone.state_dict()['convs.1.conv.weight'])
    log = next(work.glob('*/*.log')).read_text()
    for name in FACTORS:
        assert f'loss_margin_{name}: ' in log, name


def test_ranking_accuracy_against_numpy():
    """net(x) = x ** 2 and the official gamma x ** (1 / 0.3): errors 1 - cos computed in numpy."""
    rng = np.random.default_rng(1)
    images = [rng.uniform(0.05, 1.0, (1, 3, 8, 10)) for _ in range(6)]
    images += [np.full((1, 3, 8, 10), 0.5)]  # flat: every error is 0, not ranked

    def error(a, b):
        a, b = a.ravel(), b.ravel()
        return 1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b))

    clean = np.array([error(x ** 2, x) for x in images])
    degraded = np.array([error((x ** (1 / 0.3)) ** 2, x ** (1 / 0.3)) for x in images])
    got = ranking_accuracy(lambda x: x ** 2, [GammaDegradation()],
                           (torch.from_numpy(x).float() for x in images))
    assert got['gamma']['images'] == 7
    assert got['gamma']['ranked'] == pytest.approx(np.mean(degraded > clean + 1e-6))
    assert got['gamma']['mean_gap'] == pytest.approx(np.mean(degraded - clean), abs=1e-5)
