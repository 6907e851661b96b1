"""Training folders with unreadable images: a one-line error naming the file, or (skip_bad=True)
training goes on with every bad file counted and logged. Through tools/train.py."""
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from sdag_runner_utils import PROJECT_ROOT, write_dark_images

from sdag_bench.datasets.image_folders import UnpairedImageFolder


def _folder_with_bad_images(root):
    folder = write_dark_images(root, num=3, size=48)
    (folder / 'empty.png').write_bytes(b'')
    (folder / 'loop.png').symlink_to(folder / 'loop.png')
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / 'truncated.jpg', quality=90)
    data = (folder / 'truncated.jpg').read_bytes()
    (folder / 'truncated.jpg').write_bytes(data[:len(data) // 2])  # header fine, pixels cut
    return folder


def _train(folder, work_dir, *options):
    cmd = [sys.executable, 'tools/train.py', 'configs/enhancers/zerodce.py', '--work-dir',
           str(work_dir), '--cfg-options', f'train_dataloader.dataset.data_root={folder}',
           'train_dataloader.dataset.crop_size=32', 'train_dataloader.batch_size=4',
           'train_cfg.max_iters=2', 'default_hooks.logger.interval=1', *options]
    return subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))


def test_bad_training_image_is_a_one_line_error_naming_it(tmp_path):
    folder = _folder_with_bad_images(tmp_path / 'dark')
    result = _train(folder, tmp_path / 'work')
    assert result.returncode == 1, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and str(folder) in last and 'skip_bad=True' in last, last


# a training process, ~14 s; counted skips through tools/train.py stay in the fast tier
# (test_train_exdark_zoo.py)
@pytest.mark.slow
def test_skip_bad_trains_on_the_rest_and_counts_every_bad_file(tmp_path):
    folder = _folder_with_bad_images(tmp_path / 'dark')
    result = _train(folder, tmp_path / 'work', 'train_dataloader.dataset.skip_bad=True')
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert '2 unreadable or too small image(s) skipped' in log and '4 left' in log
    for name in ('empty.png', 'loop.png', 'truncated.jpg'):
        assert f'skipped unreadable image {folder / name}' in log, name
    assert 'truncated or corrupt image data' in log and '3 skipped under' in log
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()


def test_skip_bad_in_the_dataset_itself(tmp_path):
    folder = _folder_with_bad_images(tmp_path / 'dark')
    dataset = UnpairedImageFolder(str(folder), crop_size=16, skip_bad=True)
    assert len(dataset) == 4 and dataset.skipped.count == 2
    names = [os.path.basename(dataset[i]['data_samples'].img_path) for i in range(len(dataset))]
    assert 'truncated.jpg' not in names and dataset.skipped.count == 3
    assert dataset.skipped.by_problem() == {'empty file': 1, 'symbolic link loop': 1,
                                            'truncated or corrupt image data': 1}


def test_paired_skip_bad_drops_pairs_with_an_unreadable_image(tmp_path):
    from sdag_bench.datasets.image_folders import PairedImageFolder
    write_dark_images(tmp_path / 'low', num=3, size=16)
    write_dark_images(tmp_path / 'high', num=3, size=16, seed=1)
    (tmp_path / 'high' / '001.png').write_bytes(b'')
    (tmp_path / 'low' / '002.png').unlink()
    (tmp_path / 'low' / '002.png').symlink_to(tmp_path / 'low' / '002.png')
    dataset = PairedImageFolder(str(tmp_path), skip_bad=True)
    assert [os.path.basename(low) for low, _ in dataset.pairs] == ['000.png']
    assert dataset.skipped.by_problem() == {'empty file': 1, 'symbolic link loop': 1}
    assert dataset[0]['data_samples'].gt_img.shape == (3, 16, 16)
