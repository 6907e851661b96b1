"""No checkpoint runs code, whatever it is called and whichever tool opens it.

A crafted pickle whose unpickling runs a shell command is handed to the tools a researcher types
(``tools/sdag_ranking.py`` under a training checkpoint's name ``iter_600.pth``,
``tools/export_state_dict.py``) and to mmengine's own loader with torch's safe default switched
off by the environment: each refuses it with one line naming the file, and the command never
runs. A source audit holds every other module to the one loader (``sdag_bench/utils/safe_load.py``).
"""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from small_bench import PROJECT_ROOT, run_tool_main

from sdag_bench.utils.checkpoint import CheckpointError

SAFE_LOADER = PROJECT_ROOT / 'sdag_bench' / 'utils' / 'safe_load.py'
AUDITED = ('sdag_bench', 'tools', 'data_tools', 'bench')


class _RunsCode:
    """Unpickling this runs ``touch <marker>``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _evil(path: Path, marker: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': {'net.out_conv.bias': torch.zeros(3)},
                'meta': _RunsCode(str(marker))}, path)
    return path


def _one_line_refusal(err: str, path: Path) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert 'Traceback' not in err, err[-2000:]
    assert len(lines) == 1 and lines[0].startswith('error: ') and str(path) in lines[0], err
    assert 'refusing' in lines[0]


@pytest.mark.parametrize('name', ['iter_600.pth', 'exported.pth'])
def test_sdag_ranking_refuses_a_checkpoint_that_runs_code_whatever_its_name(tmp_path, name):
    marker = tmp_path / 'pwned'
    evil = _evil(tmp_path / 'work_dirs' / 'sdag' / name, marker)
    images = tmp_path / 'photos'
    images.mkdir()
    code, _, err = run_tool_main('sdag_ranking', [
        'configs/sdag/sdag_pretrain_demo_detector.py', '--checkpoint', str(evil), '--images',
        str(images)])
    assert not marker.exists(), 'the checkpoint ran its code'
    assert code == 2
    _one_line_refusal(err, evil)


def test_export_state_dict_refuses_a_checkpoint_that_runs_code(tmp_path):
    marker = tmp_path / 'pwned'
    evil = _evil(tmp_path / 'epoch_24.pth', marker)
    out = tmp_path / 'exported.pth'
    result = subprocess.run([sys.executable, 'tools/export_state_dict.py', str(evil), str(out)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert not marker.exists(), 'the checkpoint ran its code'
    assert result.returncode == 2 and not out.exists()
    _one_line_refusal(result.stderr, evil)


def test_mmengine_loading_is_safe_even_when_environment_allows_pickles(tmp_path, monkeypatch):
    """``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` turns torch's default back to full unpickling;
    mmengine's ``load_checkpoint`` (used by the Runner's ``load_from`` and mmdet's
    ``init_detector``) goes through the project's loader and still refuses."""
    from mmengine.runner import load_checkpoint
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    marker = tmp_path / 'pwned'
    evil = _evil(tmp_path / 'weights.pth', marker)
    with pytest.raises(CheckpointError, match='refusing'):
        load_checkpoint(torch.nn.Conv2d(3, 3, 1), str(evil))
    assert not marker.exists(), 'the checkpoint ran its code'


def _unsafe_calls(path: Path) -> list:
    """Lines of ``path`` that open pickles or numpy/torch files themselves."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        text = None
        if isinstance(node, ast.Call):
            func = node.func
            dotted = ast.unparse(func)
            if dotted in ('torch.load', 'np.load', 'numpy.load', 'torch.jit.load') or \
                    dotted.startswith(('pickle.', 'cPickle.', 'dill.', 'joblib.load')):
                text = dotted
            for keyword in node.keywords:
                value = keyword.value
                if (keyword.arg, getattr(value, 'value', None)) in (
                        ('weights_only', False), ('allow_pickle', True)):
                    text = f'{dotted}({keyword.arg}={value.value})'
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, 'module', None) or '']
            if any(n.split('.')[0] in ('pickle', 'dill', 'cloudpickle', 'shelve', 'marshal')
                   for n in names):
                text = 'import of ' + ', '.join(n for n in names if n)
        if text:
            found.append(f'{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {text}')
    return found


def test_every_file_that_could_carry_code_is_opened_by_the_one_loader():
    files = [p for folder in AUDITED for p in sorted((PROJECT_ROOT / folder).rglob('*.py'))]
    offenders = [line for path in files if path != SAFE_LOADER for line in _unsafe_calls(path)]
    assert offenders == [], 'use sdag_bench.utils.safe_load instead:\n' + '\n'.join(offenders)
    assert len(files) > 100 and _unsafe_calls(SAFE_LOADER)  # the audit sees the loader's calls
