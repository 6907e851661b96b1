"""Folders of enhanced images scored as benchmark rows (``--enhanced-dir NAME=PATH``).

Through tools/benchmark.py on a 6-image demo set: the outputs of two registered enhancers
(gamma, the project-trained Zero-DCE), saved as 8-bit PNG, score the AP50 of their live rows;
a folder with one missing, one corrupt and one resized output records each count and is marked
incomplete in the leaderboard; changing a file of a folder recomputes its cell.
"""
import csv
import shutil
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from small_bench import PROJECT_ROOT, make_small_bench, read_cell, run_benchmark

from sdag_bench.utils.image_io import read_image
from sdag_bench.enhancers.builder import build_enhancer_from_config

NUM_IMAGES = 6


def save_outputs(config: Path, images: list, folder: Path, ext: dict) -> None:
    """Enhance each image as the harness does (RGB 0-1, clamp, 8-bit) and save it losslessly;
    ``ext`` maps image indices to another extension than .png."""
    enhancer = build_enhancer_from_config(str(config))
    folder.mkdir()
    for index, path in enumerate(images):
        rgb = torch.from_numpy(read_image(path, 'rgb')).permute(2, 0, 1).float()[None] / 255
        with torch.no_grad():
            out = enhancer(rgb).clamp(0, 1)
        array = (out[0] * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        Image.fromarray(array).save(folder / (path.stem + ext.get(index, '.png')))


def test_enhanced_dirs_score_like_live_rows(tmp_path):
    enh = tmp_path / 'enh'
    enh.mkdir()
    (enh / 'gamma.py').write_text(
        f"_base_ = {str(PROJECT_ROOT / 'configs/enhancers/gamma.py')!r}\n")
    (enh / 'zerodce.py').write_text(
        f"_base_ = {str(PROJECT_ROOT / 'configs/demo_zoo/zerodce.py')!r}\n")
    small = make_small_bench(tmp_path, NUM_IMAGES, enhancer_dirs=[str(enh)], extra_metrics='[]',
                             cost_cfg='dict(input_size=(32, 32), warmup=0, repeats=1)')
    images = sorted((small['data'] / 'dark' / 'test').iterdir())
    assert len(images) == NUM_IMAGES
    save_outputs(enh / 'gamma.py', images, tmp_path / 'gamma_out', {})
    save_outputs(enh / 'zerodce.py', images, tmp_path / 'zerodce_out', {1: '.bmp'})
    broken = tmp_path / 'broken_out'
    shutil.copytree(tmp_path / 'gamma_out', broken)
    (broken / f'{images[0].stem}.png').unlink()  # missing
    (broken / f'{images[1].stem}.png').write_bytes(b'not an image')  # corrupt
    big = Image.open(broken / f'{images[2].stem}.png')
    big.resize((big.width * 2, big.height * 2), Image.BILINEAR).save(
        broken / f'{images[2].stem}.png')  # resized

    work = tmp_path / 'work'
    dirs = ['--enhanced-dir', f'gamma_dir={tmp_path / "gamma_out"}',
            '--enhanced-dir', f'zerodce_dir={tmp_path / "zerodce_out"}',
            '--enhanced-dir', f'broken_dir={broken}', '--bootstrap', '0']
    result = run_benchmark(small['bench'], work, 'gamma,zerodce', *dirs)
    assert result.returncode == 0, result.stderr
    assert '[benchmark] device: cpu' in result.stdout
    cell = {name: read_cell(work, f'{name}__small__demo_retinanet')
            for name in ('gamma', 'zerodce', 'gamma_dir', 'zerodce_dir', 'broken_dir')}
    # the same 8-bit images give the same detections: equal AP50 (Zero-DCE within rounding)
    assert cell['gamma_dir']['metrics']['AP50'] == cell['gamma']['metrics']['AP50']
    assert abs(cell['zerodce_dir']['metrics']['AP50'] - cell['zerodce']['metrics']['AP50']) \
        < 0.005
    assert cell['gamma']['metrics']['AP50'] != cell['zerodce']['metrics']['AP50']
    assert cell['gamma_dir']['precomputed'] == dict(
        folder=str(tmp_path / 'gamma_out'), matched=NUM_IMAGES, resized=0, missing=0,
        unreadable=0, missing_names=[], unreadable_names=[], refused=0, refused_names=[],
        complete=True)
    assert cell['zerodce_dir']['precomputed']['matched'] == NUM_IMAGES  # the .bmp matched too
    info = cell['broken_dir']['precomputed']
    assert (info['matched'], info['missing'], info['unreadable'], info['resized']) == \
        (NUM_IMAGES - 2, 1, 1, 1)
    assert info['missing_names'] == [images[0].name]
    assert info['unreadable_names'] == [f'{images[1].stem}.png']
    assert not info['complete']
    assert cell['broken_dir']['num_images'] == NUM_IMAGES
    assert not any(k.startswith('cost/') for k in cell['gamma_dir']['metrics'])
    assert any(k.startswith('cost/') for k in cell['gamma']['metrics'])
    with open(work / 'leaderboard.csv') as f:
        rows = {r['enhancer']: r for r in csv.DictReader(f)}
    assert 'incomplete: 1 of 6 outputs missing, 1 unreadable' in rows['broken_dir']['label']
    assert 'incomplete' not in rows['gamma_dir']['label']
    cost_cols = [c for c in rows['gamma'] if c.startswith(('params', 'GFLOPs', 'ms/img'))]
    assert cost_cols and all(rows['gamma'][c] for c in cost_cols)
    assert not any(rows['gamma_dir'][c] for c in cost_cols)
    assert 'broken_dir' in result.stdout and '1 resized back' in result.stdout

    # the key covers the folder's contents: change one output, only that cell is recomputed
    array = np.array(Image.open(broken / f'{images[3].stem}.png'))
    Image.fromarray(255 - array).save(broken / f'{images[3].stem}.png')
    again = run_benchmark(small['bench'], work, 'gamma,zerodce', *dirs)
    assert again.returncode == 0, again.stderr
    assert '5 cells (4 reused, 1 run)' in again.stdout
    assert read_cell(work, 'broken_dir__small__demo_retinanet')['key'] != \
        cell['broken_dir']['key']


def test_enhanced_dir_errors_name_the_problem(tmp_path):
    small = make_small_bench(tmp_path, 2, extra_metrics='[]', cost_cfg='None')
    missing = run_benchmark(small['bench'], tmp_path / 'w', 'identity', '--enhanced-dir',
                            f'x={tmp_path / "nowhere"}')
    assert missing.returncode == 2 and 'nowhere' in missing.stderr
    clash = run_benchmark(small['bench'], tmp_path / 'w', 'identity', '--enhanced-dir',
                          f'identity={tmp_path}')
    assert clash.returncode == 2 and 'already a row' in clash.stderr
    bad = run_benchmark(small['bench'], tmp_path / 'w', 'identity', '--enhanced-dir', 'x')
    assert bad.returncode == 2 and 'NAME=PATH' in bad.stderr


def test_precomputed_config_with_a_missing_folder_is_a_clear_error(tmp_path):
    """A ``PrecomputedEnhancer`` config in an enhancer folder: a folder that is not there is a
    one-line error naming it, before any compute (exit 2)."""
    enh = tmp_path / 'enh'
    enh.mkdir()
    (enh / 'lime.py').write_text(
        f"enhancer = dict(type='PrecomputedEnhancer', folder={str(tmp_path / 'gone')!r})\n")
    small = make_small_bench(tmp_path, 2, enhancer_dirs=[str(enh)], extra_metrics='[]',
                             cost_cfg='None')
    result = run_benchmark(small['bench'], tmp_path / 'w', 'lime')
    assert result.returncode == 2
    assert f"enhanced-image folder {tmp_path / 'gone'} not found" in result.stderr
    assert not (tmp_path / 'w' / 'cells').exists() or not any((tmp_path / 'w' / 'cells').glob(
        '*.json'))
