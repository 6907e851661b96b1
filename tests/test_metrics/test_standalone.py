"""create_metric / list_metrics: the suite's image metrics outside the benchmark, checked against
implementations that are not ours (BasicSR's NIQE on real photos, scikit-image's PSNR and SSIM)."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from skimage import metrics as skimage_metrics

from sdag_bench.metrics import create_metric, list_metrics
from sdag_bench.utils.image_io import read_image
from sdag_bench.utils.paths import PROJECT_ROOT

#: BasicSR's ``calculate_niqe`` on real photos (see the shared assets' README).
BASICSR_NIQE = 'reference_outputs/niqe_basicsr.json'
#: The four reference inputs (PNG: every decoder reads the same pixels).
NIQE_PHOTOS = ('reference_outputs/inputs/dicm_01.png', 'reference_outputs/inputs/lime_1.png',
               'reference_outputs/inputs/sci_easy_0016.png',
               'reference_outputs/inputs/darkface_644.png')
#: A real LOL evaluation pair: low-light input and its normal-light reference.
LOL_PAIR = ('wyf0912+LLFlow/img/778_input.png', 'wyf0912+LLFlow/img/778.png')
#: |ours - BasicSR| allowed on one photo (floating-point rounding only, see metrics/niqe.py).
BASICSR_NIQE_TOL = 0.005


def _tensor(rgb: np.ndarray) -> torch.Tensor:
    """H x W x 3 uint8 RGB -> (1, 3, H, W) float in [0, 1], as the README shows."""
    return torch.tensor(rgb).permute(2, 0, 1)[None].float() / 255


def _skimage_ssim(img: np.ndarray, ref: np.ndarray) -> float:
    return skimage_metrics.structural_similarity(img, ref, data_range=255, channel_axis=-1,
                                                 gaussian_weights=True, sigma=1.5,
                                                 use_sample_covariance=False)


def test_names_and_facts():
    assert list_metrics() == ['niqe', 'psnr', 'ssim']
    niqe, psnr, ssim = (create_metric(name) for name in list_metrics())
    assert niqe.lower_better and niqe.direction == 'lower' and not niqe.full_reference
    assert not psnr.lower_better and psnr.direction == 'higher' and psnr.full_reference
    assert ssim.score_range == (-1.0, 1.0) and niqe.score_range[0] == 0.0
    assert repr(create_metric('psnr', convert_to='y')) == "ImageMetric('psnr', convert_to='y')"


def test_clear_errors():
    with pytest.raises(KeyError, match=r"unknown image metric 'brisque'; known: \['niqe', "):
        create_metric('brisque')
    with pytest.raises(TypeError, match=r"takes no option\(s\) \['colour'\]"):
        create_metric('psnr', colour='y')
    img = torch.rand(1, 3, 32, 32)
    psnr = create_metric('psnr')
    with pytest.raises(TypeError, match=r'psnr\(images, references\)'):
        psnr(img)
    with pytest.raises(TypeError, match='no-reference'):
        create_metric('niqe')(img, img)
    with pytest.raises(TypeError, match=r'torch.tensor\(img\)'):
        psnr(np.zeros((32, 32, 3), np.uint8), img)
    with pytest.raises(TypeError, match='float tensor'):
        psnr((img * 255).to(torch.uint8), img)
    with pytest.raises(ValueError, match='divide 0-255 images by 255'):
        psnr(img * 255, img)
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'):
        psnr(img[:, :1], img[:, :1])


@pytest.mark.assets
def test_niqe_matches_basicsr_on_real_photos(shared_assets):
    reference = json.loads((shared_assets / BASICSR_NIQE).read_text())['images']
    niqe = create_metric('niqe')
    images = [_tensor(read_image(shared_assets / rel, channel_order='rgb')) for rel in NIQE_PHOTOS]
    for rel, image in zip(NIQE_PHOTOS, images):
        score = niqe(image)
        assert score.shape == (1,) and score.dtype == torch.float64
        assert score.item() == pytest.approx(reference[rel]['niqe'], abs=BASICSR_NIQE_TOL), rel
    # a batch of one size gives each image its own score; a single C x H x W image works too
    batch = niqe(torch.cat([images[0], images[0].flip(-1)]))
    assert batch[0].item() == pytest.approx(niqe(images[0][0]).item(), abs=1e-12)


@pytest.mark.assets
def test_psnr_ssim_match_skimage_on_a_real_pair(shared_assets):
    low, normal = (read_image(shared_assets / rel, channel_order='rgb') for rel in LOL_PAIR)
    psnr, ssim = create_metric('psnr'), create_metric('ssim')
    expected_psnr = skimage_metrics.peak_signal_noise_ratio(normal, low, data_range=255)
    assert psnr(_tensor(low), _tensor(normal)).item() == pytest.approx(expected_psnr, abs=1e-6)
    assert ssim(_tensor(low), _tensor(normal)).item() == pytest.approx(
        _skimage_ssim(low, normal), abs=1e-6)
    # options reach the function: a 4-pixel border left out is skimage on the cropped images
    crop = (slice(4, -4), slice(4, -4))
    assert create_metric('ssim', crop_border=4)(_tensor(low), _tensor(normal)).item() == \
        pytest.approx(_skimage_ssim(low[crop], normal[crop]), abs=1e-6)


def _readme_example() -> str:
    """The shell example of the README's 'Metrics outside the benchmark' section."""
    text = (PROJECT_ROOT / 'README.md').read_text()
    section = text.split('### Metrics outside the benchmark', 1)[1]
    block = re.search(r"```bash\n(python - photo\.png .*?\nEOF\n)```", section, re.S)
    assert block, 'README lost its usage example'
    return block.group(1)


@pytest.mark.assets
def test_readme_example_as_a_researcher_runs_it(shared_assets):
    script = _readme_example()
    body = script.split("<<'EOF'\n", 1)[1].rsplit('EOF\n', 1)[0]
    photo, reference = (str(shared_assets / rel) for rel in LOL_PAIR)
    out = subprocess.run([sys.executable, '-', photo, reference], input=body, text=True,
                         capture_output=True, cwd=PROJECT_ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    printed = dict(line.split(' ', 2)[:2] for line in out.stdout.splitlines())
    low, normal = (read_image(path, channel_order='rgb') for path in (photo, reference))
    assert float(printed['psnr']) == pytest.approx(
        skimage_metrics.peak_signal_noise_ratio(normal, low, data_range=255), abs=1e-4)
    assert float(printed['ssim']) == pytest.approx(_skimage_ssim(low, normal), abs=1e-4)
    assert 'lower is better: True' in out.stdout and np.isfinite(float(printed['niqe']))
