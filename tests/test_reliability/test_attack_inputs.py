"""Input files under attack: the file-hash cache cannot be fooled by metadata, and an
``--enhanced-dir`` cannot read outside its folder.

Through ``tools/benchmark.py`` on a small benchmark whose test images all have one file size:
two images swapped with sizes kept and modification times put back (``touch -r``); a data root
given as a symlink and repointed at another copy of the set; an enhanced-image folder holding
symlinks to a normal-light image and to a file elsewhere. Each must give the numbers a fresh
run on the files as they now are gives.
"""
import json
import os
import shutil
import time

import pytest

from attack_bench import dark_images, padded_small_bench, swap_keeping_metadata
from small_bench import read_cell, run_benchmark

#: Seconds to wait so that new files are old enough to be cached (file_hashes.RACY_WINDOW_S: 2).
CACHE_AGE_S = 2.2
CELL = 'identity__small__demo_retinanet'


def _ap50(work) -> float:
    return read_cell(work, CELL)['metrics']['AP50']


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_swapped_images_with_sizes_and_mtimes_kept_are_recomputed(tmp_path):
    bench = padded_small_bench(tmp_path)
    time.sleep(CACHE_AGE_S)  # old enough to be cached by the first run
    first = run_benchmark(bench['bench'], tmp_path / 'work', 'identity')
    assert first.returncode == 0, first.stderr[-3000:]
    cache = json.loads((tmp_path / 'work' / '.cache' / 'file_hashes.json').read_text())
    images = dark_images(bench)
    assert str(images[0].resolve()) in cache  # the attack targets cached digests
    before = _ap50(tmp_path / 'work')
    swap_keeping_metadata(images[0], images[1])
    again = run_benchmark(bench['bench'], tmp_path / 'work', 'identity')
    assert again.returncode == 0, again.stderr[-3000:]
    assert '1 cells (0 reused, 1 run)' in again.stdout
    fresh = run_benchmark(bench['bench'], tmp_path / 'fresh', 'identity')
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert _ap50(tmp_path / 'work') == _ap50(tmp_path / 'fresh') != before


@pytest.mark.slow  # a further attack through the CLI the fast tier runs (6 s)
def test_verify_blames_the_inputs_when_the_hash_cache_was_fooled(tmp_path):
    """The one way left to fool the cache is to edit it: ``--verify`` hashes the drawn cells'
    inputs again and says the inputs changed, not the code."""
    from sdag_bench.utils.file_hashes import file_signature
    bench = padded_small_bench(tmp_path)
    time.sleep(CACHE_AGE_S)
    work = tmp_path / 'work'
    first = run_benchmark(bench['bench'], work, 'identity')
    assert first.returncode == 0, first.stderr[-3000:]
    images = dark_images(bench)
    swap_keeping_metadata(images[0], images[1])
    cache_file = work / '.cache' / 'file_hashes.json'
    cache = json.loads(cache_file.read_text())
    for image in images[:2]:  # the cache edited to vouch for the swapped files
        real, signature = file_signature(str(image))
        cache[real][0] = signature
    cache_file.write_text(json.dumps(cache))
    verified = run_benchmark(bench['bench'], work, 'identity', '--verify', '1')
    assert '1 cells (1 reused, 0 run)' in verified.stdout  # the cache is trusted, as documented
    assert verified.returncode == 1
    assert 'input files changed since these cells were computed' in verified.stderr
    assert 'code or libraries' not in verified.stderr


@pytest.mark.slow  # a further attack through the CLI the fast tier runs (6 s)
def test_repointed_data_root_symlink_is_another_set_of_files(tmp_path):
    bench = padded_small_bench(tmp_path)
    copy_b = tmp_path / 'copy_b'
    shutil.copytree(bench['data'], copy_b)  # copy2: sizes and mtimes as in the first copy
    swap_keeping_metadata(*sorted((copy_b / 'dark' / 'test').iterdir())[:2])
    link = tmp_path / 'current'
    link.symlink_to(bench['data'], target_is_directory=True)
    time.sleep(CACHE_AGE_S)
    first = run_benchmark(bench['bench'], tmp_path / 'work', 'identity', '--data-root', str(link))
    assert first.returncode == 0, first.stderr[-3000:]
    before = _ap50(tmp_path / 'work')
    link.unlink()
    link.symlink_to(copy_b, target_is_directory=True)
    again = run_benchmark(bench['bench'], tmp_path / 'work', 'identity', '--data-root', str(link))
    assert again.returncode == 0, again.stderr[-3000:]
    assert '1 cells (0 reused, 1 run)' in again.stdout
    fresh = run_benchmark(bench['bench'], tmp_path / 'fresh', 'identity', '--data-root',
                          str(copy_b))
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert _ap50(tmp_path / 'work') == _ap50(tmp_path / 'fresh') != before


def test_enhanced_dir_symlinks_leaving_the_folder_are_refused_counted_and_never_read(tmp_path):
    bench = padded_small_bench(tmp_path)
    images = dark_images(bench)
    outputs, without = tmp_path / 'outputs', tmp_path / 'without_first'
    for folder in (outputs, without):
        folder.mkdir()
        for image in images[1:]:  # the dark images themselves: identity's outputs
            shutil.copyfile(image, folder / image.name)
    normal = bench['data'] / 'normal' / 'test' / images[0].name  # the normal-light reference
    (outputs / images[0].name).symlink_to(normal)
    secret = tmp_path / 'elsewhere' / 'secret.png'
    secret.parent.mkdir()
    shutil.copyfile(normal, secret)
    (outputs / 'zz_elsewhere.png').symlink_to(secret)
    inside = outputs / 'inside_link.png'  # a link within the folder is an ordinary output
    inside.symlink_to(outputs / images[1].name)
    time.sleep(CACHE_AGE_S)  # old enough that a digest of them would be cached
    result = run_benchmark(bench['bench'], tmp_path / 'work', 'identity',
                           '--enhanced-dir', f'linked={outputs}',
                           '--enhanced-dir', f'missing={without}')
    assert result.returncode == 0, result.stderr[-3000:]
    linked = read_cell(tmp_path / 'work', 'linked__small__demo_retinanet')
    missing = read_cell(tmp_path / 'work', 'missing__small__demo_retinanet')
    # the refused output is scored exactly as a missing one: nothing of it was used
    assert linked['metrics'] == missing['metrics']
    info = linked['precomputed']
    assert info['missing_names'] == [images[0].name] and info['matched'] == len(images) - 1
    assert info.get('refused') == 2
    assert info['refused_names'] == [images[0].name, 'zz_elsewhere.png']
    cached = json.loads((tmp_path / 'work' / '.cache' / 'file_hashes.json').read_text()) \
        if (tmp_path / 'work' / '.cache' / 'file_hashes.json').is_file() else {}
    assert not any(os.path.basename(p) in ('secret.png', 'zz_elsewhere.png') for p in cached)
    assert '2 symlinks leaving the folder refused' in result.stdout
