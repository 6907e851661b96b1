"""Shared fixtures: the third-party assets folder, darknet's converted YOLOv3-tiny, YOLOX-Nano
converted from ONNX, the demo benchmark run once per pytest session, and registration."""
import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from filelock import FileLock

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Third-party data (official checkpoints, real photos, labels); never copied into the repo.
SHARED_ASSETS = Path(os.environ.get('SDAG_SHARED_ASSETS',
                                    PROJECT_ROOT.parent / 'shared' / 'assets'))


@pytest.fixture(scope='session')
def shared_assets() -> Path:
    """Path of ``../shared/assets``; skips the test when the folder is absent."""
    if not SHARED_ASSETS.is_dir():
        pytest.skip(f'third-party assets not found at {SHARED_ASSETS} '
                    '(set SDAG_SHARED_ASSETS to point at them)')
    return SHARED_ASSETS


def made_once(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder ``make(folder)`` fills once per test run: once per session, and once for all
    pytest-xdist workers together (the first to take the lock makes it, the others wait and
    read it). Read only for the tests.

    Args:
        tmp_path_factory: pytest's factory of the session's temporary folders.
        name (str): The folder's name.
        make (Callable[[Path], None]): Fills the (new, empty) folder; raises on failure.

    Returns:
        Path: The folder.
    """
    if 'PYTEST_XDIST_WORKER' not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    root = tmp_path_factory.getbasetemp().parent  # shared by the workers of this run
    folder, done = root / name, root / f'{name}.done'
    with FileLock(str(root / f'{name}.lock')):
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


def _run_tool(*args: str) -> None:
    done = subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.fixture(scope='session')
def yolov3_tiny_checkpoint(shared_assets: Path, tmp_path_factory) -> Path:
    """darknet's COCO YOLOv3-tiny converted by ``tools/convert_darknet.py`` as a user runs it,
    once per test run (tests read it, none writes it); skips without the assets."""
    darknet = shared_assets / 'pjreddie+darknet'
    folder = made_once(tmp_path_factory, 'darknet', lambda out: _run_tool(
        'tools/convert_darknet.py', str(darknet / 'yolov3-tiny.cfg'),
        str(darknet / 'yolov3-tiny.weights'), str(out / 'yolov3_tiny_coco.pth')))
    return folder / 'yolov3_tiny_coco.pth'


@pytest.fixture(scope='session')
def yolox_nano_checkpoint(shared_assets: Path, tmp_path_factory) -> Path:
    """YOLOX-Nano's ONNX export converted by ``tools/convert_yolox_onnx.py`` as a user runs it,
    once per test run (tests read it, none writes it); skips without the assets."""
    onnx_file = shared_assets / 'Bigisland1729+object-detection-models' / 'yolox_nano.onnx'
    folder = made_once(tmp_path_factory, 'yolox', lambda out: _run_tool(
        'tools/convert_yolox_onnx.py', str(onnx_file), str(out / 'yolox_nano_coco.pth')))
    return folder / 'yolox_nano_coco.pth'


#: The pytest session's demo run: ``tools/benchmark.py`` with these arguments (and ``--work-dir``).
DEMO_RUN_ARGS = ['--enhancers', 'identity,gamma', '--no-progress']


@pytest.fixture(scope='session')
def demo_run(tmp_path_factory) -> Path:
    """The work dir of ``tools/benchmark.py --enhancers identity,gamma`` on the whole demo
    benchmark (200 test images; identity, gamma and the normal-light bound; intervals, tables,
    plots, report), run once per test session in this process as a researcher types it.

    Read only: a test that changes files takes a copy (``demo_run_copy``)."""
    return made_once(tmp_path_factory, 'demo_run', _demo_run) / 'results'


def _demo_run(folder: Path) -> None:
    from tools.benchmark import main
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(DEMO_RUN_ARGS + ['--work-dir', str(folder / 'results')])
    finally:
        os.chdir(cwd)
    assert code == 0, err.getvalue()[-3000:]
    (folder / 'stdout.txt').write_text(out.getvalue())


@pytest.fixture
def demo_run_copy(demo_run: Path, tmp_path: Path) -> Path:
    """A private copy of the pytest session's demo run, free to change."""
    return Path(shutil.copytree(demo_run, tmp_path / 'demo_run'))


@pytest.fixture(scope='session', autouse=True)
def _registered() -> None:
    """Register every sdag_bench and mmdet component once per test session."""
    from sdag_bench import register_all_modules
    register_all_modules()


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """Every test starts from the same random state (torch, numpy, random), whichever
    pytest-xdist worker runs it and whichever tests ran before it there."""
    import random

    import numpy as np
    import torch
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
