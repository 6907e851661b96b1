"""Every computed cell stores its per-image predictions; tools/rescore.py recomputes its metrics
from them without the detector."""
import contextlib
import io
import json

import numpy as np
import pytest
from small_bench import make_small_bench, read_cell, run_benchmark

from sdag_bench.benchmark.store.predictions import load_predictions, per_image
from tools.rescore import main as rescore_main

CELL = 'gamma__small__demo_retinanet'


def _rescore(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = rescore_main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_rescore_recomputes_the_stored_metrics_from_predictions(tmp_path):
    bench = make_small_bench(tmp_path)
    work = tmp_path / 'work'
    result = run_benchmark(bench['bench'], work, 'gamma')
    assert result.returncode == 0, result.stderr[-3000:]
    record = read_cell(work, CELL)
    npz = work / 'cells' / f'{CELL}.predictions.npz'
    assert record['predictions']['file'] == npz.name
    images = per_image(load_predictions(str(npz)))
    coco = json.loads(bench['ann'].read_text())
    assert [i['img_id'] for i in images] == sorted(im['id'] for im in coco['images'])
    assert [i['name'] for i in images] == [im['file_name'] for im in
                                           sorted(coco['images'], key=lambda im: im['id'])]
    assert sum(len(i['scores']) for i in images) == record['predictions']['num_boxes'] > 0
    psnr = [i['quality']['psnr'] for i in images]
    assert sum(psnr) / len(psnr) == pytest.approx(record['metrics']['psnr'], rel=1e-12)

    code, out, err = _rescore(str(work / 'cells' / f'{CELL}.json'))
    assert code == 0, out + err
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line and
             not line.startswith('[')}
    for name in ('AP50', 'mAP', 'AP50/circle', 'psnr', 'niqe'):
        assert lines[name][-1] == 'yes', out
    assert float(lines['AP50'][2]) == round(record['metrics']['AP50'], 4)

    # a stored number that the predictions do not give is reported (exit 1)
    path = work / 'cells' / f'{CELL}.json'
    changed = json.loads(path.read_text())
    changed['metrics']['AP50'] -= 0.1
    path.write_text(json.dumps(changed))
    code, out, _ = _rescore(CELL, '--work-dir', str(work))
    assert code == 1 and 'AP50' in out.split('differ:')[1]

    # predictions of another cell are refused, a missing file is named (exit 2, no traceback)
    other = npz.with_name('other.npz')
    np.savez_compressed(other, **{k: v for k, v in load_predictions(str(npz)).items()
                                  if k != 'scores'}, scores=np.zeros(
                                      record['predictions']['num_boxes'], np.float32))
    other.replace(npz)
    code, _, err = _rescore(str(path))
    assert code == 2 and 'does not belong to this record' in err
    npz.unlink()
    code, _, err = _rescore(str(path))
    assert code == 2 and f'{npz} not found' in err and 'Traceback' not in err
