"""The qualitative grid shows what each row gave the detector: an ``--enhanced-dir`` row shows its
folder's files, not the dark input (its enhancer is the identity)."""
import numpy as np
from PIL import Image
from small_bench import make_small_bench, run_tool_main


def _row_brightness(grid: np.ndarray, rows: int) -> list:
    """Mean grey level of each of the grid's ``rows`` horizontal bands (right of the labels)."""
    height, width = grid.shape
    band = height // rows
    return [float(grid[r * band:(r + 1) * band, width // 3:].mean()) for r in range(rows)]


def test_enhanced_dir_row_shows_its_files_in_the_grid(tmp_path):
    small = make_small_bench(tmp_path, 2, extra_metrics='[]',
                             cost_cfg='dict(input_size=(32, 32), warmup=0, repeats=1)')
    images = sorted((small['data'] / 'dark' / 'test').iterdir())
    white = tmp_path / 'white'
    white.mkdir()
    for path in images:  # the "enhanced" outputs: white frames of the photos' sizes
        with Image.open(path) as img:
            Image.new('RGB', img.size, (255, 255, 255)).save(white / f'{path.stem}.png')
    work = tmp_path / 'work'
    code, out, err = run_tool_main('benchmark', [
        '--benchmark', str(small['bench']), '--enhancers', 'identity', '--enhanced-dir',
        f'white={white}', '--no-bounds', '--no-progress', '--bootstrap', '0',
        '--work-dir', str(work)])
    assert code == 0, err[-3000:]
    grid = np.asarray(Image.open(work / 'qualitative_grid.png').convert('L'), dtype=float)
    identity, folder = _row_brightness(grid, 2)
    # the dark demo scene in the identity row; the folder's white files in the other
    assert identity < 120 and folder > 200, (identity, folder)
