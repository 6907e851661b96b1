"""Dark training images made on the fly: a tiny copy of the dark demo split, or smooth random
scenes, darkened."""
import copy
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch


def write_dark_images(folder: Path, count: int = 4, size=(24, 32), seed: int = 0) -> Path:
    """Write ``count`` smooth random colour images darkened to a mean of about 0.05."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        coarse = rng.random((5, 5, 3)).astype(np.float32)
        img = cv2.resize(coarse, size[::-1], interpolation=cv2.INTER_CUBIC).clip(0, 1)
        img = (img**2.2 * 0.25 * 255).round().astype(np.uint8)
        cv2.imwrite(str(folder / f'dark_{i}.png'), img)
    return folder


@pytest.fixture
def dark_folder(tmp_path) -> Path:
    return write_dark_images(tmp_path / 'dark')


@pytest.fixture
def dark_demo_folder(tmp_path) -> Path:
    """Four 48 x 48 images of the dark demo train split (same generator, smaller spec)."""
    from sdag_bench.datasets.demo import DEMO_SPEC, ensure_demo_set
    spec = copy.deepcopy(DEMO_SPEC)
    spec.update(image_size=48, splits=dict(train=dict(num=4, seed=1000)))
    return ensure_demo_set(tmp_path / 'demo', spec=spec, progress=False) / 'dark' / 'train'


@pytest.fixture(autouse=True)
def single_thread():
    """Tiny tensors: one thread is faster, and immune to a busy machine's oversubscription."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
