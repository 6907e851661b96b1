"""DARK FACE end to end through the command line, as a researcher runs it, on real photos.

Raw tree (``image/N.png`` + ``label/N.txt``) of the seven real DARK FACE photos in
``../shared/assets`` -> ``data_tools/darkface_to_coco.py`` -> ``tools/benchmark.py --benchmark
darkface --data-root ... --cfg-options ...`` with the official WIDER FACE RetinaFace-mnet0.25 ->
cells, leaderboard md/csv/tex and ``tools/make_tables.py``.

No DARK FACE labels exist here: the face boxes are written by this test (placed by eye, see
``real_sets.DARKFACE_BOXES``). The AP is therefore agreement with those boxes; what the test
holds the pipeline to is that it equals the AP computed without the harness (the detector on
each photo through its own config's pipeline, numpy VOC area AP), and that a damaged image is
a counted skip.
"""
import json
from pathlib import Path

import pytest
from benchmark_outputs import assert_leaderboard_shows, read_cells
from real_sets import (PROJECT_ROOT, TRUNCATED_DARKFACE, build_darkface_tree, run_cli,
                       truncate_file)
from reference_ap import assert_same_predictions, detect_files, gamma_png, mean_niqe
from reference_voc_ap import voc_ap50

DETECTOR = 'configs/detectors/darkface/retinaface_mnet025.py'
WEIGHTS = ('biubug6+Face-Detector-1MB-with-landmark/weights/mobilenet0.25_Final.pth')
GAMMA = 0.4  # configs/enhancers/gamma.py
pytestmark = pytest.mark.assets


@pytest.fixture(scope='module')
def darkface_run(shared_assets: Path, tmp_path_factory) -> dict:
    """Build, convert, damage one image, benchmark identity and gamma; return the paths."""
    tmp = tmp_path_factory.mktemp('darkface_e2e')
    root = tmp / 'darkface'
    gts = build_darkface_tree(shared_assets, root)
    converted = run_cli(['data_tools/darkface_to_coco.py', '--root', root, '--out',
                         root / 'annotations', '--list', f'test={root / "test.txt"}'])
    assert converted.returncode == 0, converted.stderr
    # the converter checked every image; this one is damaged afterwards (interrupted copy)
    truncate_file(root / 'image' / TRUNCATED_DARKFACE)
    work = tmp / 'work'
    bench = run_cli([
        'tools/benchmark.py', '--benchmark', 'darkface', '--data-root', root, '--cfg-options',
        'test_dataloader.dataset.ann_file=annotations/darkface_list_test.json', '--detectors',
        'retinaface', '--enhancers', 'identity,gamma', '--work-dir', work, '--no-progress',
        '--no-plots'
    ])
    assert bench.returncode == 0, bench.stdout[-3000:] + bench.stderr[-3000:]
    return dict(root=root, work=work, gts=gts, converted=converted, bench=bench, tmp=tmp)


def test_converter_lists_every_labelled_photo(darkface_run: dict) -> None:
    out = darkface_run['converted'].stdout
    assert 'test: 8 images, 21 boxes' in out  # 7 photos (20 faces) + the copy (1 face)
    data = json.loads((darkface_run['root'] / 'annotations' /
                       'darkface_list_test.json').read_text())
    assert data['info']['split'] == 'list' and data['info']['subset'] == 'test'
    assert sorted(i['file_name'] for i in data['images']) == sorted(
        list(darkface_run['gts']) + [TRUNCATED_DARKFACE])


def test_ap_equals_detector_run_without_the_harness(darkface_run: dict,
                                                    shared_assets: Path) -> None:
    """AP50 of each cell = numpy VOC AP of RetinaFace run on the photos (identity) and on the
    gamma-enhanced photos saved as 8-bit PNGs, through its own config's pipeline."""
    records = read_cells(darkface_run['work'])
    assert set(records) == {'identity', 'gamma'}
    root, gts = darkface_run['root'], darkface_run['gts']
    images = {name: root / 'image' / name for name in gts}
    checkpoint = str(shared_assets / WEIGHTS)
    files = dict(identity=images, gamma={
        n: gamma_png(p, darkface_run['tmp'] / 'gamma_png', GAMMA) for n, p in images.items()})
    expected = {}
    for name, inputs in files.items():
        detections = detect_files(str(PROJECT_ROOT / DETECTOR), checkpoint, inputs, ('face', ))
        expected[name] = dict(voc_ap50(detections, gts, ('face', )),
                              niqe=mean_niqe(list(inputs.values())), detections=detections)
    for name, record in records.items():
        assert record['num_images'] == 7 and record['skipped_images'] == 1, name
        assert record['metrics']['AP50'] == pytest.approx(expected[name]['mean'], abs=1e-4), name
        assert record['metrics']['AP50/face'] == pytest.approx(expected[name]['face'], abs=1e-4)
        assert record['metrics']['niqe'] == pytest.approx(expected[name]['niqe'], abs=1e-3)
        assert_same_predictions(darkface_run['work'] / 'cells' /
                                f"{record['_file']}.predictions.npz",
                                expected[name]['detections'], ('face', ))
        # the overrides are recorded with the cell and the split label names the json tested
        options = record['cell']['dataset']['cfg_options']
        assert options['test_dataloader.dataset.data_root'] == str(root) + '/'
        assert record['cell']['dataset']['split'] == 'list test'
    # the two rows differ: the enhancer reached the detector
    assert expected['identity']['mean'] != expected['gamma']['mean']


def test_leaderboard_and_tables_show_the_cells(darkface_run: dict) -> None:
    work = darkface_run['work']
    records = read_cells(work)
    assert_leaderboard_shows(work, records, skipped=1)
    tables = run_cli(['tools/make_tables.py', '--work-dir', work])
    assert tables.returncode == 0, tables.stderr
    for name, record in records.items():
        assert f"{record['metrics']['AP50']:.3f}" in tables.stdout


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_data_root_without_converted_json_is_refused(darkface_run: dict) -> None:
    """A data root without the json names the missing file and exits 2, running nothing."""
    empty = darkface_run['tmp'] / 'not_converted'
    empty.mkdir()
    result = run_cli(['tools/benchmark.py', '--benchmark', 'darkface', '--data-root', empty,
                      '--detectors', 'retinaface', '--enhancers', 'identity', '--work-dir',
                      darkface_run['tmp'] / 'work_empty', '--no-progress', '--no-plots'])
    assert result.returncode == 2
    assert str(empty / 'annotations' / 'darkface_ratio80_seed0_test.json') in result.stderr
    assert not (darkface_run['tmp'] / 'work_empty' / 'cells').exists()
