"""Shared fixtures: the third-party assets folder, darknet's converted YOLOv3-tiny, YOLOX-Nano
converted from ONNX, the demo benchmark run once per pytest session, and registration."""
import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.fixture(scope='session')
def yolov3_tiny_checkpoint(shared_assets: Path, tmp_path_factory) -> Path:
    """darknet's COCO YOLOv3-tiny converted by ``tools/convert_darknet.py`` as a user runs it,
    once per test session (tests read it, none writes it); skips without the assets."""
    darknet = shared_assets / 'pjreddie+darknet'
    out = tmp_path_factory.mktemp('darknet') / 'yolov3_tiny_coco.pth'
    done = subprocess.run([sys.executable, 'tools/convert_darknet.py',
                           str(darknet / 'yolov3-tiny.cfg'), str(darknet / 'yolov3-tiny.weights'),
                           str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out


@pytest.fixture(scope='session')
def yolox_nano_checkpoint(shared_assets: Path, tmp_path_factory) -> Path:
    """YOLOX-Nano's ONNX export converted by ``tools/convert_yolox_onnx.py`` as a user runs it,
    once per test session (tests read it, none writes it); skips without the assets."""
    onnx_file = shared_assets / 'Bigisland1729+object-detection-models' / 'yolox_nano.onnx'
    out = tmp_path_factory.mktemp('yolox') / 'yolox_nano_coco.pth'
    done = subprocess.run([sys.executable, 'tools/convert_yolox_onnx.py', str(onnx_file),
                           str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out


#: The session's demo run: ``tools/benchmark.py`` with these arguments (and ``--work-dir``).

#: The pytest session's demo run: ``tools/benchmark.py`` with these arguments (and ``--work-dir``).
DEMO_RUN_ARGS = ['--enhancers', 'identity,gamma', '--no-progress']


@pytest.fixture(scope='session')
def demo_run(tmp_path_factory) -> Path:
    """The work dir of ``tools/benchmark.py --enhancers identity,gamma`` on the whole demo
    benchmark (200 test images; identity, gamma and the normal-light bound; intervals, tables,
    plots, report), run once per test session in this process as a researcher types it.

    Read only: a test that changes files takes a copy (``demo_run_copy``)."""
    from tools.benchmark import main
    work_dir = tmp_path_factory.mktemp('demo_run') / 'results'
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(DEMO_RUN_ARGS + ['--work-dir', str(work_dir)])
    finally:
        os.chdir(cwd)
    assert code == 0, err.getvalue()[-3000:]
    (work_dir.parent / 'stdout.txt').write_text(out.getvalue())
    return work_dir


@pytest.fixture
def demo_run_copy(demo_run: Path, tmp_path: Path) -> Path:
    """A private copy of the pytest session's demo run, free to change."""
    return Path(shutil.copytree(demo_run, tmp_path / 'demo_run'))


@pytest.fixture(scope='session', autouse=True)
def _registered() -> None:
    """Register every sdag_bench and mmdet component once per test session."""
    from sdag_bench import register_all_modules
    register_all_modules()
