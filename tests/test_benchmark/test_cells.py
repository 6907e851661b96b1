import os

from sdag_bench.benchmark.cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec
from sdag_bench.benchmark.store.result_store import ResultStore


def _cell(tmp_path, gamma=0.4, weights=b'abc'):
    enh = tmp_path / f'gamma_{gamma}.py'
    enh.write_text(f"enhancer = dict(type='Gamma', gamma={gamma})\n")
    det = tmp_path / 'det.py'
    det.write_text("model = dict(type='RetinaNet')\n")
    ckpt = tmp_path / 'det.pth'
    ckpt.write_bytes(weights)
    data = tmp_path / 'data.py'
    data.write_text("test_dataloader = dict()\n")
    return CellSpec(EnhancerSpec('gamma', str(enh)), DatasetSpec('d', str(data)),
                    DetectorSpec('det', str(det), str(ckpt)))


def test_key_follows_config_and_checkpoint_content(tmp_path):
    base = _cell(tmp_path).key()
    assert _cell(tmp_path).key() == base
    assert _cell(tmp_path, gamma=0.5).key() != base
    assert _cell(tmp_path, weights=b'abd').key() != base


def test_store_is_atomic_and_rejects_stale_keys(tmp_path):
    cell = _cell(tmp_path)
    store = ResultStore(str(tmp_path / 'results'))
    assert store.load(cell) is None
    store.save(cell, dict(key='k1', metrics=dict(a=float('nan'))))
    assert store.load(cell, 'k1')['key'] == 'k1'
    assert store.load(cell, 'other') is None
    # a leftover temporary file from a killed writer is cleaned and never read as a result
    open(os.path.join(store.cell_dir, '.tmp-dead.json'), 'w').write('{"key": "k1", "trunc')
    assert [r['key'] for r in store.records()] == ['k1']
    assert store.clean_temporaries() == ['.tmp-dead.json']
    # a corrupt result file is treated as missing
    open(store.path(cell), 'w').write('{not json')
    assert store.load(cell, 'k1') is None
