"""tools/setup_env.sh: installs the package with its dependencies under the constraints file,
once; a changed constraints file or torch choice makes the next run install again.

The script runs for real on a copy of the set-up files, with a stand-in ``python`` in the venv
that records every call instead of installing (a real install is ``make test`` itself)."""
import shutil
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SETUP_FILES = ('tools/setup_env.sh', 'setup.cfg', 'pyproject.toml', 'requirements/constraints.txt')
#: Records its arguments; answers "yes" to every check (torch present, mmcv ops importable).
FAKE_PYTHON = '#!/bin/sh\necho "$*" >> "$(dirname "$0")/../calls.log"\necho 0\n'


def _project(tmp_path: Path) -> Path:
    root = tmp_path / 'project'
    for name in SETUP_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, root / name)
    python = root / 'venv' / 'bin' / 'python'
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return root


def _setup(root: Path, **env) -> list:
    """Run the set-up; return the python calls it made."""
    log = root / 'venv' / 'calls.log'
    log.unlink(missing_ok=True)
    subprocess.run(['bash', 'tools/setup_env.sh'], cwd=root, check=True, capture_output=True,
                   env={'PATH': '/usr/bin:/bin', 'VENV': 'venv', 'SDAG_WHEELS': 'none', **env})
    return log.read_text().splitlines() if log.exists() else []


def test_installs_the_package_with_its_dependencies_under_the_constraints(tmp_path):
    root = _project(tmp_path)
    calls = _setup(root)
    installs = [c for c in calls if c.startswith('-m pip install')]
    assert installs and all('-c requirements/constraints.txt' in c for c in installs), installs
    package = [c for c in installs if ".[tests]" in c]
    assert len(package) == 1 and '--no-deps' not in package[0] and '-e' in package[0].split()
    assert '-m pip check' in calls
    assert (root / 'venv' / '.sdag_bench_installed').is_file()


def test_second_run_installs_nothing_until_the_pins_or_torch_choice_change(tmp_path):
    root = _project(tmp_path)
    assert _setup(root)
    assert _setup(root) == []  # stamped: nothing runs
    constraints = root / 'requirements' / 'constraints.txt'
    constraints.write_text(constraints.read_text().replace('scipy==', 'scipy==0.0.'))
    assert _setup(root)  # a new pin: installs against it
    assert _setup(root) == []
    assert _setup(root, SDAG_TORCH_INDEX_URL='https://download.pytorch.org/whl/cpu')
    assert _setup(root, SDAG_TORCH_INDEX_URL='https://download.pytorch.org/whl/cpu') == []


def test_missing_constraints_file_is_an_error_naming_it(tmp_path):
    root = _project(tmp_path)
    (root / 'requirements' / 'constraints.txt').unlink()
    result = subprocess.run(['bash', 'tools/setup_env.sh'], cwd=root, capture_output=True,
                            text=True, env={'PATH': '/usr/bin:/bin', 'VENV': 'venv'})
    assert result.returncode != 0 and 'requirements/constraints.txt' in result.stderr
