"""tools/convert_darknet.py on darknet's real yolov3-tiny files (skips without ../shared/assets):
the output opens with ``weights_only=True`` and in ``build_frozen_detector``; a truncated weight
file and one with bytes left over are refused, naming the layer and the byte counts."""
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import torch

from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector, inner_detector
from sdag_bench.utils.paths import PROJECT_ROOT

pytestmark = pytest.mark.assets


def _convert(cfg: Path, weights: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, 'tools/convert_darknet.py', str(cfg), str(weights),
                           str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True)


def _convert_in_process(cfg: Path, weights: Path, out: Path,
                        capsys) -> subprocess.CompletedProcess:
    """tools/convert_darknet.py's ``main(argv)`` in this process (refusals need no new one)."""
    from tools.convert_darknet import main
    argv = [str(cfg), str(weights), str(out)]
    code = main(argv)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, captured.out, captured.err)


@pytest.fixture(scope='module')
def darknet(shared_assets: Path) -> Path:
    return shared_assets / 'pjreddie+darknet'


def test_converts_and_loads(darknet: Path, tmp_path: Path):
    out = tmp_path / 'sub' / 'yolov3_tiny_coco.pth'
    done = _convert(darknet / 'yolov3-tiny.cfg', darknet / 'yolov3-tiny.weights', out)
    assert done.returncode == 0, done.stderr
    assert 'yolov3-tiny' in done.stdout and '70 tensors, 8858734 values' in done.stdout
    state = torch.load(out, weights_only=True)
    # the first conv's BN scale is the 17th..32nd float after the 20-byte header
    raw = (darknet / 'yolov3-tiny.weights').read_bytes()
    first_scales = torch.frombuffer(bytearray(raw[20 + 16 * 4:20 + 32 * 4]), dtype=torch.float32)
    assert torch.equal(state['backbone.convs.0.bn.weight'], first_scales)
    # the last tensors of the file are the stride-16 prediction conv's 255 x 256 weights
    last = torch.frombuffer(bytearray(raw[-255 * 256 * 4:]), dtype=torch.float32)
    assert torch.equal(state['bbox_head.convs_pred.1.weight'].flatten(), last)
    model = build_frozen_detector('configs/detectors/exdark/yolov3_tiny_coco.py', str(out))
    assert torch.equal(inner_detector(model).neck.conv_up.bn.running_var,
                       state['neck.conv_up.bn.running_var'])


@pytest.mark.parametrize('damage, message', [
    pytest.param(lambda raw: raw[:-1000],
                 'layer 22 (convolutional, line 167) needs 262140 bytes at offset 35172816, '
                 'only 261140 are left', id='truncated'),
    pytest.param(lambda raw: raw + bytes(12),
                 '12 bytes left over after layer 22 (convolutional, line 167); the cfg accounts '
                 'for 35434956 of 35434968 bytes', id='bytes_left_over'),
])
def test_damaged_weights_are_refused_naming_the_layer(darknet: Path, tmp_path: Path,
                                                      damage: Callable[[bytes], bytes],
                                                      message: str, capsys):
    damaged = tmp_path / 'damaged.weights'
    damaged.write_bytes(damage((darknet / 'yolov3-tiny.weights').read_bytes()))
    done = _convert_in_process(darknet / 'yolov3-tiny.cfg', damaged, tmp_path / 'out.pth',
                               capsys)
    assert done.returncode == 1
    assert message in done.stderr, done.stderr
    assert not (tmp_path / 'out.pth').exists()


def test_cfg_that_is_not_yolov3_tiny_is_refused(darknet: Path, tmp_path: Path, capsys):
    cfg = tmp_path / 'other.cfg'
    pool = '[maxpool]\nsize=2\nstride=1'
    cfg.write_text((darknet / 'yolov3-tiny.cfg').read_text().replace(pool, f'{pool}\n\n{pool}'))
    done = _convert_in_process(cfg, darknet / 'yolov3-tiny.weights', tmp_path / 'out.pth', capsys)
    assert done.returncode == 1 and 'fit none of the known models' in done.stderr, done.stderr
