"""The committed real ExDark table stays current: ``tools/benchmark.py --benchmark exdark600``, as a
user runs it after ``make exdark600`` (the project's converter on the 600 photos into
``data/exdark600``, made here when absent), with the detector weights converted from ../shared,
finds every committed cell of the rows whose weights the project ships or makes here (no enhancer
weights, or the committed ExDark zoo) under the key it computes: nothing is recomputed. A change
of the code that moves a stored number's key (a config that resolves differently, another
harness version) fails here. The rows with official third-party weights (``*_official``) need
``tools/convert_official.py`` and are not planned. (The data root must be the default one: the
split label, part of the key, is read from the json when the root is moved.)"""
import re
import shutil
import subprocess

import pytest

from small_bench import run_tool_main
from sdag_bench.utils.paths import PROJECT_ROOT

pytestmark = [pytest.mark.assets, pytest.mark.slow]  # hashes the 600 photos: ~1 min
CELLS = PROJECT_ROOT / 'results' / 'exdark600' / 'cells'
SUMMARY = re.compile(r'\[benchmark\] (\d+) cells \((\d+) reused, (\d+) run\)')


def _rows_without_official_weights() -> list:
    rows = sorted({p.name.split('__')[0] for p in CELLS.glob('*__exdark600__*.json')})
    return [r for r in rows if not r.endswith('_official')]


def test_benchmark_reuses_every_committed_exdark600_cell(shared_assets, yolov3_tiny_checkpoint,
                                                         yolox_nano_checkpoint, tmp_path,
                                                         monkeypatch):
    data = PROJECT_ROOT / 'data' / 'exdark600'
    if not (data / 'annotations' / 'exdark_official_test.json').is_file():
        image_list = (shared_assets / 'cs-chan+Exclusively-Dark-Image-Dataset' / 'Groundtruth' /
                      'imageclasslist.txt')
        made = subprocess.run(['make', 'exdark600',
                               f'EXDARK600={shared_assets / "Chinese-sausage+ExDark"}',
                               f'EXDARK_LIST={image_list}'],
                              cwd=PROJECT_ROOT, capture_output=True, text=True)
        assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    benchmark = tmp_path / 'exdark600_here.py'
    benchmark.write_text(
        f"_base_ = ['{PROJECT_ROOT / 'configs/benchmark/exdark600.py'}']\n"
        f"detectors = dict(yolov3_tiny=dict(checkpoint='{yolov3_tiny_checkpoint}'),\n"
        f"                 yolox_nano=dict(checkpoint='{yolox_nano_checkpoint}'))\n")
    work = tmp_path / 'work'
    shutil.copytree(CELLS, work / 'cells')

    def refuse(cells, options):
        raise AssertionError(f'recomputed {[c.name for c in cells]}: its key changed')

    monkeypatch.setattr('sdag_bench.benchmark.run.run_cells.evaluate_cells', refuse)
    rows = _rows_without_official_weights()
    assert {'identity', 'gamma', 'ruas', 'ruas_sdag'} <= set(rows)
    code, out, err = run_tool_main('benchmark', [
        '--benchmark', str(benchmark), '--enhancers', ','.join(rows), '--work-dir', str(work),
        '--no-plots', '--bootstrap', '0', '--no-progress'])
    assert code == 0, err[-3000:]
    total, reused, computed = map(int, SUMMARY.search(out).groups())
    assert total == 2 * len(rows) and reused == total and computed == 0
