"""data_tools/make_demo_set.py under concurrency and SIGTERM: a second run started while the first
is generating waits and reuses its set (generated once); SIGTERM leaves no temporary folder."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sdag_bench.datasets.demo import DEMO_SPEC

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GENERATING = '[sdag_bench] generating the demo set'


def _spec_file(tmp_path: Path, num: int) -> Path:
    spec = dict(DEMO_SPEC, image_size=96, custom=True,
                splits=dict(train=dict(num=num, seed=10), test=dict(num=4, seed=20)))
    path = tmp_path / f'spec_{num}.json'
    path.write_text(json.dumps(spec))
    return path


def _start(args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable] + args, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS='1'), **kwargs)


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 300) -> None:
    start = time.time()
    while not condition():
        assert proc.poll() is None, f'exited early: {proc.communicate()[0][-2000:]}'
        assert time.time() - start < timeout, 'timed out'
        time.sleep(0.01)


def _temporaries(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith('.demo-tmp'))


@pytest.mark.slow  # two generating processes: ~14 s
def test_second_run_waits_for_the_first_and_generation_happens_once(tmp_path):
    root = tmp_path / 'data' / 'demo'
    spec = _spec_file(tmp_path, num=60)
    cli = ['data_tools/make_demo_set.py', '--root', str(root), '--spec', str(spec)]
    go = tmp_path / 'go'
    log = tmp_path / 'second.log'
    # the second run is the same CLI, imported ahead so that it starts while the first generates;
    # its output goes unbuffered to a file the test can read while it runs
    with open(log, 'w') as second_out:
        second = subprocess.Popen(
            [sys.executable, '-u', '-c', 'import sys, time, os\n'
             'from data_tools.make_demo_set import main\n'
             f'while not os.path.exists({str(go)!r}): time.sleep(0.01)\n'
             f'sys.exit(main({cli[1:]!r}))'], cwd=PROJECT_ROOT, stdout=second_out,
            stderr=subprocess.STDOUT, text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
    first = _start(cli)
    _wait_for(lambda: root.parent.is_dir() and _temporaries(root.parent), first)
    # the first run is held while generating (it holds the lock) until the second says it waits:
    # on a loaded machine the first could otherwise finish before the second looks
    first.send_signal(signal.SIGSTOP)
    try:
        go.touch()
        _wait_for(lambda: 'waiting for pid' in log.read_text(), second)
    finally:
        first.send_signal(signal.SIGCONT)
    out_first = first.communicate(timeout=300)[0]
    second.wait(timeout=300)
    out_second = log.read_text()
    assert first.returncode == 0 and second.returncode == 0, (out_first, out_second)
    assert (out_first + out_second).count(GENERATING) == 1, (out_first, out_second)
    assert 'waiting for pid' in out_second and str(root) in out_second, out_second
    assert len(json.loads((root / 'annotations' / 'train.json').read_text())['images']) == 60
    assert len(list((root / 'dark' / 'train').iterdir())) == 60
    assert not _temporaries(root.parent)


@pytest.mark.slow  # a generation process killed mid-way: ~20 s
def test_sigterm_during_generation_removes_the_temporary_folder(tmp_path):
    root = tmp_path / 'data' / 'demo'
    cli = ['data_tools/make_demo_set.py', '--root', str(root), '--spec',
           str(_spec_file(tmp_path, num=60))]
    proc = _start(cli)
    _wait_for(lambda: root.parent.is_dir() and _temporaries(root.parent), proc)
    proc.send_signal(signal.SIGTERM)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 128 + signal.SIGTERM, out
    assert not _temporaries(root.parent) and not root.exists()
    # a later run generates the set and leaves nothing behind either
    rerun = subprocess.run([sys.executable] + cli[:-1] + [str(_spec_file(tmp_path, num=6))],
                           cwd=PROJECT_ROOT, capture_output=True,
                           text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert (root / 'spec.json').is_file() and not _temporaries(root.parent)
