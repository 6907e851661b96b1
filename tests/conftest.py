"""Shared fixtures: the third-party assets folder and registration."""
import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Third-party data (official checkpoints, real photos, labels); never copied into the repo.
SHARED_ASSETS = Path(os.environ.get('SDAG_SHARED_ASSETS', PROJECT_ROOT.parent / 'shared' / 'assets'))


@pytest.fixture(scope='session')
def shared_assets() -> Path:
    """Path of ``../shared/assets``; skips the test when the folder is absent."""
    if not SHARED_ASSETS.is_dir():
        pytest.skip(f'third-party assets not found at {SHARED_ASSETS} '
                    '(set SDAG_SHARED_ASSETS to point at them)')
    return SHARED_ASSETS


@pytest.fixture(scope='session', autouse=True)
def _registered() -> None:
    """Register every sdag_bench and mmdet component once per test session."""
    from sdag_bench import register_all_modules
    register_all_modules()
