"""README's "Running cells from Python" block runs as written and gives the committed demo numbers.

The block is taken from README.md, its result folder pointed at a temporary one, and run as a
script in the project root (in this process: a new interpreter would only add its imports).
The AP50 it prints must equal the demo leaderboard committed in ``results/demo/leaderboard.csv``
(written by ``tools/benchmark.py``, not by this code path).
"""
import contextlib
import csv
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _readme_block() -> str:
    readme = (ROOT / 'README.md').read_text()
    section = readme.split('### Running cells from Python\n', 1)[1]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def _committed_ap50() -> dict:
    with open(ROOT / 'results' / 'demo' / 'leaderboard.csv', newline='') as f:
        return {row['enhancer']: float(row['AP50']) for row in csv.DictReader(f)}


@pytest.mark.slow  # the README block over the demo benchmark: ~22 s
def test_readme_python_block_runs_and_matches_the_committed_leaderboard(tmp_path):
    code = _readme_block()
    assert "ResultStore('work_dirs/from_python')" in code
    code = code.replace("'work_dirs/from_python'", repr(str(tmp_path / 'store')))
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, 'README.md', 'exec'), {'__name__': '__main__'})
    finally:
        os.chdir(cwd)
    printed = dict(line.split() for line in out.getvalue().strip().splitlines())
    committed = _committed_ap50()
    assert sorted(printed) == ['gamma__demo__demo_retinanet', 'identity__demo__demo_retinanet']
    for name, ap50 in printed.items():
        assert abs(float(ap50) - committed[name.split('__')[0]]) < 1e-6, name
    assert len(list((tmp_path / 'store' / 'cells').glob('*.json'))) == 2
