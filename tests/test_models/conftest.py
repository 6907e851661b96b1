"""Dark training images made on the fly: smooth random scenes, darkened."""
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


@pytest.fixture(autouse=True)
def single_thread():
    """Tiny tensors: one thread is faster, and immune to a busy machine's oversubscription."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
