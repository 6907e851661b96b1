"""What a run writes and prints, under attack: another run sharing the work dir, a hostile row
name in the HTML report, label files with a byte-order mark.

- Two runs on one work dir with different ``--checkpoint`` files: the other run writes its
  ``leaderboard.md`` between this run's writing and printing (the interleaving is forced, so the
  test is deterministic); this run still prints its own table, and every table written names
  the cells it holds.
- A row named ``gamma<!--<script>`` (an enhancer config's file name): the JSON inside the
  report's inline ``<script>`` cannot end or re-open the script element.
- bbGt and YOLO label files (and a size table) written with a UTF-8 byte-order mark, through
  ``data_tools/exdark_to_coco.py --strict``: no line is lost.
"""
import importlib.util
import json
import re
import shutil
from pathlib import Path

import torch
from attack_bench import LEAN, printed_rows, run_tool
from PIL import Image
from small_bench import CHECKPOINT, PROJECT_ROOT, make_small_bench, run_benchmark

BOM = '\ufeff'


def _other_weights(path: Path) -> Path:
    """The demo detector's weights with one value changed: another ``--checkpoint``."""
    checkpoint = torch.load(PROJECT_ROOT / CHECKPOINT, map_location='cpu', weights_only=True)
    state = checkpoint.get('state_dict', checkpoint)
    name = next(k for k, v in state.items() if v.is_floating_point() and v.numel() > 1)
    state[name] = state[name].clone()
    state[name].view(-1)[0] += 1e-3
    torch.save(checkpoint, path)
    return path


def test_each_run_prints_its_own_table_and_every_table_names_its_cells(tmp_path, monkeypatch):
    bench = make_small_bench(tmp_path, num_images=2, **LEAN)
    work = tmp_path / 'shared'
    other = _other_weights(tmp_path / 'other.pth')
    first = run_benchmark(bench['bench'], work, 'identity', '--bootstrap', '20')
    assert first.returncode == 0, first.stderr[-3000:]
    first_table = (work / 'leaderboard.md').read_text()

    from sdag_bench.benchmark.report import outputs
    write_report = outputs.write_benchmark_report

    def other_run_writes_now(*args, **kwargs):  # the first run's tables land at this moment
        path = write_report(*args, **kwargs)
        (work / 'leaderboard.md').write_text(first_table)
        return path

    monkeypatch.setattr(outputs, 'write_benchmark_report', other_run_writes_now)
    second = run_benchmark(bench['bench'], work, 'identity', '--bootstrap', '20',
                           '--checkpoint', str(other))
    assert second.returncode == 0, second.stderr[-3000:]
    detector = printed_rows(second.stdout)['identity']['detector']
    assert re.fullmatch(r'demo_retinanet@[0-9a-f]{8}', detector), second.stdout[-2000:]
    written = (work / 'leaderboard.md').read_text()
    assert f'detectors {detector}.' in written and '| demo_retinanet ' not in written
    for name in ('leaderboard.tex', 'report.html'):
        assert f'detectors {detector}.' in (work / name).read_text(), name
    assert not [p for p in work.iterdir() if p.name.startswith('.tmp-')]  # nothing left over
    assert 'detectors demo_retinanet.' in first_table  # the first run's said what it held


def test_a_row_name_cannot_break_the_reports_script(tmp_path):
    enhancers = tmp_path / 'enhancers'
    enhancers.mkdir()
    evil = 'gamma<!--<script>'
    shutil.copyfile(PROJECT_ROOT / 'configs' / 'enhancers' / 'gamma.py', enhancers / f'{evil}.py')
    shutil.copyfile(PROJECT_ROOT / 'configs' / 'enhancers' / 'identity.py',
                    enhancers / 'identity.py')
    bench = make_small_bench(tmp_path, num_images=2, enhancer_dirs=[str(enhancers)], **LEAN)
    work = tmp_path / 'work'
    code, _, err = run_tool('benchmark', [
        '--benchmark', str(bench['bench']), '--enhancers', f'identity,{evil}', '--no-bounds',
        '--no-progress', '--bootstrap', '20', '--work-dir', str(work)])
    assert code == 0, err[-3000:]
    page = (work / 'report.html').read_text()
    scripts = re.findall(r'<script>(.*?)</script>', page, flags=re.S)
    thumbs = [s for s in scripts if 'var THUMBS=' in s]
    assert len(thumbs) == 1, 'the comparison script is missing or was split'
    for script in scripts:  # HTML ends or re-opens a script element at these
        assert '<!--' not in script and '<script' not in script.lower(), script[:300]
    data = json.loads(re.search(r'var THUMBS=(\{.*?\});document', thumbs[0]).group(1))
    assert set(data) == {'identity', evil}  # the name itself is kept, escaped


def _exdark_cli(argv: list) -> int:
    spec = importlib.util.spec_from_file_location(
        'exdark_to_coco', PROJECT_ROOT / 'data_tools' / 'exdark_to_coco.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')


def test_label_files_with_a_byte_order_mark_lose_no_line(tmp_path):
    tail = ' 0 0 0 0 0 0 0'
    for name, size in (('Bus/a.jpg', (100, 80)), ('Car/b.jpg', (60, 40))):
        (tmp_path / 'ExDark' / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', size).save(tmp_path / 'ExDark' / name)
    _write(tmp_path / 'ExDark_Annno/Bus/a.jpg.txt',
           f'{BOM}% bbGt version=3\nBus 10 10 20 30{tail}\n')
    _write(tmp_path / 'ExDark_Annno/Car/b.jpg.txt',
           f'{BOM}Car 5 5 10 10{tail}\nPeople 1 1 5 5{tail}\n')
    out = tmp_path / 'bbgt'
    assert _exdark_cli(['--annotations', str(tmp_path / 'ExDark_Annno'), '--images',
                        str(tmp_path / 'ExDark'), '--split', '8020', '--out', str(out),
                        '--strict']) == 0
    coco = [json.loads(p.read_text()) for p in sorted(out.glob('*_t*.json'))]  # test, train
    names = {c['id']: c['name'] for c in coco[0]['categories']}
    assert sorted(names[a['category_id']] for c in coco for a in c['annotations']) == \
        ['Bus', 'Car', 'People']
    _write(tmp_path / 'yolo/labels/test/c.txt', f'{BOM}3 0.5 0.5 0.2 0.4\n0 0.1 0.1 0.1 0.1\n')
    _write(tmp_path / 'sizes.csv', f'{BOM}name,width,height\nc.jpg,100,50\n')
    out = tmp_path / 'yolo_out'
    assert _exdark_cli(['--yolo-labels', str(tmp_path / 'yolo'), '--sizes',
                        str(tmp_path / 'sizes.csv'), '--no-cache', '--out', str(out),
                        '--strict']) == 0
    test = json.loads(next(out.glob('*_test.json')).read_text())
    assert [(a['category_id'], a['bbox']) for a in test['annotations']] == \
        [(4, [40, 15, 20, 20]), (1, [5, 2.5, 10, 5])]
