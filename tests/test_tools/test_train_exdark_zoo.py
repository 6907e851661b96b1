"""The ExDark zoo through tools/train.py on real ExDark photos: SDAG guidance from YOLOv3-tiny's
stem moves the enhancer towards lower SDAG error, and bad input (unreadable or tiny photos, a
guidance checkpoint made for another extractor) is a counted skip or a one-line error."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from sdag_runner_utils import write_dark_images, write_sdag_checkpoint

from sdag_bench.enhancers import ZeroDCE
from sdag_bench.registry import MODELS
from sdag_bench.sdag.ranking import load_eval_image

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLAIN, GUIDED = 'configs/exdark_zoo/zerodce.py', 'configs/exdark_zoo/zerodce_sdag.py'
SDAG_CHECKPOINT = PROJECT_ROOT / 'checkpoints' / 'sdag_yolov3_tiny_exdark.pth'
YOLOV3_TINY = 'configs/detectors/coco/yolov3_tiny.py'


def _exdark_photos(shared_assets: Path, folder: Path, num: int) -> Path:
    """``num`` real ExDark train photos, linked (not copied) into ``folder``."""
    photos = sorted((shared_assets / 'Chinese-sausage+ExDark' / 'images' / 'train').glob('*.jpg'))
    folder.mkdir(parents=True)
    for photo in photos[:num * 25:25]:  # one photo of each of the first classes
        (folder / photo.name).symlink_to(photo)
    return folder


def _train(config: str, work_dir: Path, data: Path, *options: str, iters: int = 2):
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir', str(work_dir), '--seed', '0',
           '--cfg-options', f'train_dataloader.dataset.data_root={data}',
           'train_dataloader.dataset.crop_size=64', 'train_dataloader.batch_size=2',
           f'train_cfg.max_iters={iters}', f'default_hooks.checkpoint.interval={iters}',
           'default_hooks.logger.interval=1', 'log_processor.window_size=1', *options]
    return subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))


def _logged(work_dir: Path, name: str) -> list:
    """Every logged value of one loss term, in iteration order."""
    text = next(work_dir.glob('*/*.log')).read_text()
    return [float(v) for v in re.findall(rf'\b{name}: (-?[0-9.]+(?:e-?[0-9]+)?)', text)]


def _enhancer(work_dir: Path, iters: int) -> ZeroDCE:
    state = torch.load(work_dir / f'iter_{iters}.pth', map_location='cpu',
                       weights_only=True)['state_dict']
    enhancer = ZeroDCE()
    enhancer.load_state_dict({k[len('enhancer.'):]: v for k, v in state.items()
                              if k.startswith('enhancer.')})
    return enhancer.eval()


def _random_yolov3_tiny_backbone(path: Path, seed: int) -> Path:
    """A YOLOv3-tiny checkpoint with random backbone weights (keys ``backbone.*``)."""
    from mmengine.config import Config
    torch.manual_seed(seed)
    backbone = MODELS.build(Config.fromfile(str(PROJECT_ROOT / YOLOV3_TINY)).model.backbone)
    torch.save({f'backbone.{k}': v for k, v in backbone.state_dict().items()}, path)
    return path


@pytest.mark.slow
def test_sdag_guidance_moves_the_enhancer_towards_lower_sdag_error(
        shared_assets, yolov3_tiny_checkpoint, tmp_path):
    """Plain and guided Zero-DCE, same seed, data and schedule, 8 iterations on 4 real ExDark
    photos: the first step is the same, the guided run logs loss_sdag and ends with other
    weights, whose output the frozen SDAG reconstructs better than the plain run's."""
    photos = _exdark_photos(shared_assets, tmp_path / 'photos', 4)
    iters = 8
    plain = _train(PLAIN, tmp_path / 'plain', photos, iters=iters)
    assert plain.returncode == 0, plain.stderr[-3000:]
    guided = _train(GUIDED, tmp_path / 'guided', photos,
                    f'custom_hooks.0.sdag.extractor.checkpoint={yolov3_tiny_checkpoint}',
                    'custom_hooks.0.warmup_iters=2', 'custom_hooks.1.interval=1000', iters=iters)
    assert guided.returncode == 0, guided.stderr[-3000:]

    assert _logged(tmp_path / 'plain', 'loss_sdag') == []
    sdag_terms = _logged(tmp_path / 'guided', 'loss_sdag')
    assert len(sdag_terms) == iters and all(v > 0 for v in sdag_terms)
    # the same first batch and initial weights: the enhancer's own terms agree at iteration 1
    first_exp = [_logged(tmp_path / run, 'loss_exp')[0] for run in ('plain', 'guided')]
    assert first_exp[0] == first_exp[1]

    plain_net = _enhancer(tmp_path / 'plain', iters)
    guided_net = _enhancer(tmp_path / 'guided', iters)
    assert any(not torch.equal(a, b) for a, b in zip(plain_net.state_dict().values(),
                                                     guided_net.state_dict().values()))
    sdag = MODELS.build(dict(
        type='SemanticAwareNet', checkpoint=str(SDAG_CHECKPOINT), frozen=True,
        extractor=dict(type='DetectorStem', config=YOLOV3_TINY,
                       checkpoint=str(yolov3_tiny_checkpoint), num_stages=1)))
    with torch.no_grad():
        errors = {}
        for name, net in (('plain', plain_net), ('guided', guided_net)):
            outputs = [net(load_eval_image(str(p), 128)).clamp(0, 1) for p in sorted(
                photos.iterdir())]
            errors[name] = float(np.mean([(sdag(y) - y).abs().mean() for y in outputs]))
    assert errors['guided'] < errors['plain'], errors


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_guidance_checkpoint_for_another_extractor_is_a_one_line_error(tmp_path):
    """A VGG-slice SDAG checkpoint given to a config guided by YOLOv3-tiny's stem: refused before
    the first iteration, in one line naming the file and both extractors."""
    backbone = _random_yolov3_tiny_backbone(tmp_path / 'yolov3_tiny.pth', seed=0)
    vgg_sdag = write_sdag_checkpoint(tmp_path / 'sdag_vgg.pth')
    data = write_dark_images(tmp_path / 'dark', num=2, size=40)
    run = _train(GUIDED, tmp_path / 'work', data, f'custom_hooks.0.checkpoint={vgg_sdag}',
                 f'custom_hooks.0.sdag.extractor.checkpoint={backbone}')
    assert run.returncode == 2, run.stdout[-2000:] + run.stderr[-2000:]
    lines = run.stderr.strip().splitlines()
    assert 'Traceback' not in run.stderr
    assert lines[-1] == (
        f'error: SDAG checkpoint {vgg_sdag} was made for another extractor: its extractor '
        '(4 tensors, first extractor.layers.0.weight 64x3x3x3) is not DetectorStem of '
        f'{YOLOV3_TINY} (1 stage(s), weights {backbone}) (12 tensors, first '
        'extractor.layers.0.conv.weight 16x3x3x3)'), lines[-1]
    assert not list((tmp_path / 'work').glob('iter_*.pth'))


def test_sdag_checkpoint_over_another_detectors_stem_is_refused(tmp_path):
    """The same architecture with other weights (SDAG pretrained over another YOLOv3-tiny) and
    another detector (the demo RetinaNet's stem) are refused; the matching stem loads."""
    from sdag_bench.utils.checkpoint import CheckpointError
    first = _random_yolov3_tiny_backbone(tmp_path / 'first.pth', seed=0)
    second = _random_yolov3_tiny_backbone(tmp_path / 'second.pth', seed=1)

    def net(backbone, checkpoint=None):
        return MODELS.build(dict(type='SemanticAwareNet', checkpoint=checkpoint, extractor=dict(
            type='DetectorStem', config=YOLOV3_TINY, checkpoint=str(backbone), num_stages=1)))

    torch.save(net(first).state_dict(), tmp_path / 'sdag_first.pth')
    net(first, str(tmp_path / 'sdag_first.pth'))  # its own stem: loads
    with pytest.raises(CheckpointError) as err:
        net(second, str(tmp_path / 'sdag_first.pth'))
    message = str(err.value)
    assert '\n' not in message and f'{tmp_path / "sdag_first.pth"} was made for another' in message
    assert f'weights differ from those of DetectorStem of {YOLOV3_TINY}' in message
    assert f'weights {second}' in message
    demo = PROJECT_ROOT / 'checkpoints' / 'sdag_demo_detector.pth'  # the demo RetinaNet's stem
    with pytest.raises(CheckpointError, match=r'sdag_demo_detector\.pth was made for another '
                       r'extractor: its extractor \(\d+ tensors, first extractor\.layers\.0\.'
                       r'weight 16x3x7x7\) is not DetectorStem'):
        net(first, str(demo))


def _write_tiny(path: Path) -> None:
    Image.fromarray(np.full((8, 12, 3), 30, np.uint8)).save(path)


def test_unreadable_and_tiny_photos_are_counted_and_training_goes_on(shared_assets, tmp_path):
    """The zoo config (skip_bad=True) on 3 real photos plus an 8 x 12 px image, an empty file
    and a text file named .jpg: each bad file counted and named, training finishes."""
    photos = _exdark_photos(shared_assets, tmp_path / 'photos', 3)
    _write_tiny(photos / 'tiny.png')
    (photos / 'empty.jpg').write_bytes(b'')
    (photos / 'notes.jpg').write_text('not a photo')
    run = _train(PLAIN, tmp_path / 'work', photos)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:]
    assert '3 unreadable or too small image(s) skipped' in log and '3 left' in log
    assert (f'skipped too small image {photos / "tiny.png"}: too small (12 x 8 px; a training '
            'image needs a shorter side of at least 16 px)') in log
    for name in ('empty.jpg', 'notes.jpg'):
        assert f'skipped unreadable image {photos / name}' in log, name
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()


@pytest.mark.slow  # a further path through a CLI the fast tier runs (5-8 s)
def test_tiny_photo_without_skip_bad_is_a_one_line_error(shared_assets, tmp_path):
    photos = _exdark_photos(shared_assets, tmp_path / 'photos', 1)
    _write_tiny(photos / 'tiny.png')
    run = _train(PLAIN, tmp_path / 'work', photos, 'train_dataloader.dataset.skip_bad=False')
    assert run.returncode == 1, run.stderr[-2000:]
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(f'error: {photos / "tiny.png"}: too small (12 x 8 px') and \
        'skip_bad=True' in last, last
