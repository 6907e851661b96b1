"""tools/train.py --resume continues a killed or finished SDAG-guided run to the same weights, and
refuses (exit 2, no code run) a latest checkpoint that does not load with ``weights_only=True``."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import pytest
import torch
from sdag_runner_utils import PROJECT_ROOT, write_dark_images

CONFIG = 'configs/sdag/zerodce_sdag.py'  # Zero-DCE + the project SDAG over the demo detector
MAX_ITERS = 24
INTERVAL = 4


def _train(work_dir: Path, data: Path, max_iters: int, resume: bool = False,
           kill_after_checkpoint: bool = False,
           load_from: Optional[Path] = None) -> subprocess.CompletedProcess:
    """Run tools/train.py on ``data``; optionally SIGKILL it once a checkpoint is recorded."""
    cmd = [sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work_dir), '--cfg-options',
           f'train_dataloader.dataset.data_root={data}', 'train_dataloader.dataset.crop_size=32',
           'train_dataloader.batch_size=2', f'train_cfg.max_iters={max_iters}',
           f'default_hooks.checkpoint.interval={INTERVAL}', 'custom_hooks.1.interval=100000']
    cmd += [f'load_from={load_from}'] if load_from else []
    cmd += ['--resume'] if resume else []
    env = dict(os.environ, OMP_NUM_THREADS='1')
    if not kill_after_checkpoint:
        return subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=600)
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    start = time.time()
    while proc.poll() is None and time.time() - start < 600:
        if (work_dir / 'last_checkpoint').is_file():
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, 'the run ended before it could be killed'
    return subprocess.CompletedProcess(cmd, proc.returncode)


def _weights(path: Path) -> dict:
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def _assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for name in wa:
        assert torch.equal(wa[name], wb[name]), f'{name} differs between {a} and {b}'


def _check(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr[-3000:]


# slow tier: six training processes; the fast tier keeps tools/train.py --resume through
# the refusal test below
@pytest.mark.slow
def test_resume_after_kill_and_after_finish_gives_the_uninterrupted_weights(tmp_path):
    data = write_dark_images(tmp_path / 'dark', num=6, size=48)
    reference = tmp_path / 'reference'
    _check(_train(reference, data, MAX_ITERS))

    killed = tmp_path / 'killed'
    _train(killed, data, MAX_ITERS, kill_after_checkpoint=True)
    saved = sorted(p.name for p in killed.glob('iter_*.pth'))
    assert f'iter_{MAX_ITERS}.pth' not in saved and saved, saved
    # the worst moment of a kill: last_checkpoint emptied while rewritten, the next checkpoint
    # half written (the first checkpoint was complete when last_checkpoint first appeared)
    for path in killed.glob('iter_*.pth'):
        if path.name != f'iter_{INTERVAL}.pth':
            path.unlink()
    good = (killed / f'iter_{INTERVAL}.pth').read_bytes()
    (killed / f'iter_{2 * INTERVAL}.pth').write_bytes(good[:len(good) // 2])
    (killed / 'last_checkpoint').write_text('')
    result = _train(killed, data, MAX_ITERS, resume=True)
    _check(result)
    assert f'--resume: skipped cannot load checkpoint {killed}/iter_{2 * INTERVAL}.pth' \
        in result.stdout, result.stdout[-3000:]
    assert f'--resume: resuming from {killed}/iter_{INTERVAL}.pth' in result.stdout
    _assert_same_weights(reference / f'iter_{MAX_ITERS}.pth', killed / f'iter_{MAX_ITERS}.pth')

    finished = tmp_path / 'finished'
    result = _train(finished, data, MAX_ITERS // 2, resume=True)  # nothing to resume yet
    _check(result)
    assert f'--resume: no checkpoint in {finished}; starting from iteration 0' in result.stdout
    _check(_train(finished, data, MAX_ITERS, resume=True))  # a longer schedule continues it
    _assert_same_weights(reference / f'iter_{MAX_ITERS}.pth', finished / f'iter_{MAX_ITERS}.pth')
    # its checkpoints open with torch's safe loader; the optimizer state came along too
    full = torch.load(finished / f'iter_{MAX_ITERS}.pth', weights_only=True)
    assert full['meta']['iter'] == MAX_ITERS and full['optimizer']['state']


@pytest.mark.slow  # five training processes
def test_resume_with_pretrained_load_from_starts_from_it_then_continues_its_own_run(tmp_path):
    """A fine-tuning config names pretrained weights in ``load_from``: ``--resume`` must start
    from them the first time and continue the work dir's checkpoints afterwards."""
    data = write_dark_images(tmp_path / 'dark', num=6, size=48)
    pretrained = tmp_path / 'pretrained'
    _check(_train(pretrained, data, INTERVAL))
    weights = tmp_path / 'pretrained.pth'  # weights only, as tools/export_state_dict.py writes
    torch.save({'state_dict': _weights(pretrained / f'iter_{INTERVAL}.pth')}, weights)
    iters = 2 * INTERVAL

    reference = tmp_path / 'reference'  # plain fine-tuning from the weights, no --resume
    _check(_train(reference, data, iters, load_from=weights))

    resumed = tmp_path / 'resumed'
    result = _train(resumed, data, INTERVAL, resume=True, load_from=weights)
    _check(result)
    assert (f'--resume: no checkpoint in {resumed}; starting from iteration 0 with the weights '
            f'of load_from {weights}') in result.stdout, result.stdout[-3000:]
    result = _train(resumed, data, iters, resume=True, load_from=weights)
    _check(result)
    assert f'--resume: resuming from {resumed}/iter_{INTERVAL}.pth' in result.stdout
    _assert_same_weights(reference / f'iter_{iters}.pth', resumed / f'iter_{iters}.pth')

    # another run's training state in load_from is resumed (loop position and optimizer)
    continued = tmp_path / 'continued'
    result = _train(continued, data, iters, resume=True, load_from=resumed / f'iter_{INTERVAL}.pth')
    _check(result)
    assert 'resuming from load_from' in result.stdout
    assert not (continued / f'iter_{INTERVAL}.pth').exists()
    _assert_same_weights(reference / f'iter_{iters}.pth', continued / f'iter_{iters}.pth')


class _RunsCode:
    """Unpickling this calls os.system."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_resume_refuses_a_checkpoint_that_would_run_code(tmp_path):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    marker = tmp_path / 'pwned'
    evil = work_dir / 'iter_8.pth'
    torch.save({'state_dict': {}, 'meta': {'iter': 8}, 'x': _RunsCode(str(marker))}, evil)
    (work_dir / 'last_checkpoint').write_text(str(evil))
    data = write_dark_images(tmp_path / 'dark', num=2, size=48)
    result = _train(work_dir, data, 10, resume=True)
    assert result.returncode == 2, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(evil) in lines[0] and 'refusing' in lines[0], lines
    assert not marker.exists(), 'the payload ran'
