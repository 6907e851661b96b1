"""Helpers of the attack tests (``tests/test_reliability/test_attack_*.py``): a small benchmark
whose test images all have one file size (so that swapping two of them keeps every size, as a
careful attacker would), file swaps that restore modification times (``touch -r``), and the
tools a researcher types, run in this process."""
import contextlib
import io
import os
import shutil
from pathlib import Path
from typing import Dict, List

import pandas as pd
from small_bench import PROJECT_ROOT, make_small_bench

ENHANCERS = 'identity,gamma'
#: The small benchmark's settings for the attack tests: no quality metrics, no cost measurement
#: (the attacks are on the store; this keeps each run short).
LEAN = dict(extra_metrics='[]', cost_cfg='None')


def padded_small_bench(tmp: Path, num_images: int = 4) -> Dict[str, Path]:
    """:func:`make_small_bench` with every dark and normal test image padded (bytes after the
    PNG end, which decoders ignore) to the size of the largest."""
    bench = make_small_bench(tmp, num_images=num_images, **LEAN)
    images = sorted((bench['data'] / 'dark' / 'test').iterdir()) + \
        sorted((bench['data'] / 'normal' / 'test').iterdir())
    size = max(p.stat().st_size for p in images)
    for path in images:
        with open(path, 'ab') as f:
            f.write(b'\0' * (size - path.stat().st_size))
    return bench


def dark_images(bench: Dict[str, Path]) -> List[Path]:
    """The dark test images of a small benchmark, sorted."""
    return sorted((bench['data'] / 'dark' / 'test').iterdir())


def swap_keeping_metadata(a: Path, b: Path) -> None:
    """Swap the contents of two files of one size in place (same inodes) and put both
    modification times back, as ``touch -r`` would."""
    times = {p: (p.stat().st_atime_ns, p.stat().st_mtime_ns) for p in (a, b)}
    data_a, data_b = a.read_bytes(), b.read_bytes()
    assert len(data_a) == len(data_b) and data_a != data_b
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    for path, ns in times.items():
        os.utime(path, ns=ns)


def run_tool(name: str, argv: list) -> tuple:
    """``tools/<name>.py`` with ``argv`` in this process: (exit code, stdout, stderr)."""
    module = __import__(f'tools.{name}', fromlist=['main'])
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = module.main(argv)
            except SystemExit as exit_:
                code = exit_.code
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def printed_rows(stdout: str) -> Dict[str, Dict[str, str]]:
    """The markdown leaderboard a run printed: enhancer -> column -> shown text."""
    rows = [line for line in stdout.splitlines() if line.startswith('|')]
    header = [c.strip() for c in rows[0].strip('|').split('|')]
    out = {}
    for line in rows[2:]:
        values = dict(zip(header, (c.strip() for c in line.strip('|').split('|'))))
        out[values['enhancer']] = values
    return out


def intervals(work: Path) -> pd.DataFrame:
    """``intervals.csv`` of a work dir, sorted."""
    frame = pd.read_csv(work / 'intervals.csv')
    return frame.sort_values(['enhancer', 'metric']).reset_index(drop=True)


def copy_work(src: Path, dst: Path) -> Path:
    """A copy of a computed work dir (cells, tables and the file-hash cache)."""
    shutil.copytree(src, dst)
    return dst
