"""The project's Python code is flake8-clean under setup.cfg's ``[flake8]`` section.

flake8 (pinned in requirements/constraints.txt, installed with the ``tests`` extra) runs as
``python -m flake8`` from the project root, so it reads the same configuration as a developer's
own run; any line it prints is a failure and is shown in the message.
"""
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Folders whose Python files are the project's code (library, command lines, benchmarks, tests).
CODE_DIRS = ('sdag_bench', 'tools', 'data_tools', 'bench', 'tests')


def test_code_is_flake8_clean():
    result = subprocess.run([sys.executable, '-m', 'flake8', *CODE_DIRS], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=600)
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not report, (
        f'flake8 (exit {result.returncode}) over {", ".join(CODE_DIRS)}:\n{report}')
