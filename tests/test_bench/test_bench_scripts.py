"""Every bench/ script runs, as a researcher types it, at a toy size (slow tier: ``make
test-all``), so that a benchmark cannot rot unseen. Their numbers mean nothing at this size; the
test reads the report each one writes or prints and checks that every section is there."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sdag_bench.datasets.demo import ensure_demo_set
from sdag_bench.utils.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _run(*args: str, timeout: int = 3600) -> str:
    env = dict(os.environ, OMP_NUM_THREADS='1')
    done = subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def _numbers(line: str) -> list:
    return [float(x) for x in re.findall(r'\d+\.\d+', line)]


def test_pipeline_every_section(tmp_path):
    """bench/pipeline.py --tiny: harness vs bare loop (the bare baseline applies the detector's
    own test transforms, as the harness does), shared pass, cache, compute rate and profile."""
    ensure_demo_set(progress=False)
    out = tmp_path / 'pipeline.md'
    _run('bench/pipeline.py', '--tiny', '--out', str(out))
    report = out.read_text()
    for heading in ('## 1. Harness vs bare loop', '## 2. Enhance once, use many',
                    '## 3. Cache and growth', '## 4. Compute rate', '## 5. Profile'):
        assert heading in report, heading
    ratio = re.search(r'harness / bare throughput = (\d+\.\d+)', report)
    assert ratio and float(ratio.group(1)) > 0
    assert re.search(r'first / second = \d+\.\dx', report)
    assert 'mkldnn_convolution' in report or 'aten::' in report  # the profiler's table


def test_bootstrap_small_cell(tmp_path):
    out = tmp_path / 'bootstrap.md'
    _run('bench/bootstrap.py', '--images', '120', '--draws', '50', '--naive', '1',
         '--repeats', '1', '--out', str(out))
    report = out.read_text()
    assert 'Synthetic cell: 120 images' in report and '50 resamples' in report
    delta = re.search(r'max \|delta\| = (\S+) ', report)
    assert delta and float(delta.group(1)) < 1e-5  # ours equals mmdet's eval_map


def test_niqe_on_two_demo_images():
    folder = ensure_demo_set(progress=False) / 'dark' / 'test'
    text = _run('bench/niqe.py', '--images', str(folder), '--limit', '2')
    assert 'NIQE on 2 photos' in text
    delta = re.search(r'max \|delta\| +: (\S+) per image', text)
    assert delta and float(delta.group(1)) < 1e-3  # ours against the numpy reference


def test_protocol_on_two_real_photos(shared_assets, tmp_path):
    out = tmp_path / 'protocol.md'
    _run('bench/protocol.py', '--tiny', '--out', str(out))
    report = out.read_text()
    assert '## 2. Stages and the projected ExDark test split' in report
    assert '| enhance: zerodce |' in report or '| enhance: identity |' in report
    assert re.search(r'\| \*\*total\*\* \| \*\*\d+\.\d+\*\* \|', report)


def test_real_exdark_on_four_photos(shared_assets, yolov3_tiny_checkpoint, yolox_nano_checkpoint,
                                    tmp_path):
    """bench/real_exdark.py at toy size: a 4-photo data root made by the project's converter."""
    import shutil
    source = shared_assets / 'Chinese-sausage+ExDark'
    stems = sorted(p.stem for p in (source / 'images' / 'test').glob('*.jpg'))[::150]
    for stem in stems:
        for kind, ext in (('labels', '.txt'), ('images', '.jpg')):
            target = tmp_path / 'src' / kind / 'test' / (stem + ext)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source / kind / 'test' / (stem + ext), target)
    data = tmp_path / 'data'
    _run('data_tools/exdark_to_coco.py', '--yolo-labels', str(tmp_path / 'src'), '--images',
         str(tmp_path / 'src' / 'images'), '--out', str(data / 'annotations'))
    (data / 'images').symlink_to(tmp_path / 'src' / 'images')
    out = tmp_path / 'real_exdark.md'
    _run('bench/real_exdark.py', '--photos', '4', '--repeats', '1', '--enhancers',
         'identity,gamma', '--data-root', str(data), '--results', str(tmp_path / 'none'),
         '--checkpoint', f'yolov3_tiny={yolov3_tiny_checkpoint}',
         '--checkpoint', f'yolox_nano={yolox_nano_checkpoint}', '--overhead-photos', '2,4',
         '--out', str(out))
    report = out.read_text()
    assert '| enhance: gamma |' in report and '| detector: yolox_nano |' in report
    assert re.search(r'\| 2 \| \d+\.\d+ \| \d+\.\d+ \| \d+\.\d+ \|', report)
    assert re.search(r'\*\*Per photo, harness / bare = -?\d+\.\d+\*\* \(from 2 to 4', report)


def test_every_bench_script_has_a_test():
    tested = {'pipeline', 'bootstrap', 'niqe', 'protocol', 'real_exdark', 'subnormal_weights'}
    assert {p.stem for p in Path(PROJECT_ROOT, 'bench').glob('*.py')} == tested


def test_subnormal_weights_at_a_toy_size():
    """bench/subnormal_weights.py: the flushed build holds no subnormal weight and gives the
    loaded checkpoint's output bit for bit (the ratio it prints depends on the CPU)."""
    text = _run('bench/subnormal_weights.py', '--size', '32', '40', '--repeats', '1')
    counts = re.search(r'subnormal weights : (\d+) as loaded, (\d+) as the benchmark builds', text)
    assert counts and int(counts.group(1)) > 1000 and int(counts.group(2)) == 0, text
    assert re.search(r'ratio +: \d+\.\dx; outputs bitwise equal: True', text), text
