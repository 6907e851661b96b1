"""CPU smoke test of the ExDark fine-tuning recipe on the real ExDark photos of ../shared/assets.

The GPU recipe (configs/detectors/exdark/yolov3_d53_exdark_finetuned_enhanced.py: COCO YOLOv3
at 608 px, YOLA's 24-epoch schedule) is not run here; its CPU counterpart is: darknet's COCO
YOLOv3-tiny, converted with ``tools/convert_darknet.py``, fine-tuned for a few iterations with
12 ExDark classes behind a frozen Zero-DCE through ``tools/train.py``, on the raw ExDark tree of
the five real photos converted with ``data_tools/exdark_to_coco.py`` (official split: three are
train images). Checks what the run writes: a checkpoint with the detector's 12-class weights
only (no enhancer key), its backbone moved away from the COCO weights, the record of the
enhancer, and that the benchmark's loader takes it strictly into the same config.
"""
import hashlib
import json
from pathlib import Path

import pytest
import torch
from real_sets import PROJECT_ROOT, build_exdark_tree, run_cli

CONFIG = 'configs/detectors/exdark/yolov3_tiny_exdark_finetuned.py'
RECIPE = 'configs/detectors/exdark/yolov3_d53_exdark_finetuned_enhanced.py'
ENHANCER = 'configs/demo_zoo/zerodce.py'
ENHANCER_CKPT = 'checkpoints/demo_zoo/zerodce_s0.pth'
pytestmark = pytest.mark.assets


@pytest.mark.slow  # a training run; the fast tier trains through tools/train.py elsewhere
def test_yolov3_tiny_finetunes_on_real_exdark_behind_frozen_zerodce(
        shared_assets: Path, yolov3_tiny_checkpoint: Path, tmp_path: Path) -> None:
    root = tmp_path / 'exdark'
    build_exdark_tree(shared_assets, root)
    converted = run_cli(['data_tools/exdark_to_coco.py', '--annotations', root / 'ExDark_Annno',
                         '--images', root / 'ExDark', '--image-list', root / 'imageclasslist.txt',
                         '--split', 'official', '--seed', '0', '--out', root / 'annotations'])
    assert converted.returncode == 0, converted.stderr[-2000:]
    train_json = json.loads((root / 'annotations' / 'exdark_official_train.json').read_text())
    assert len(train_json['images']) == 3  # imageclasslist puts three of the photos in train
    coco = yolov3_tiny_checkpoint

    work = tmp_path / 'work'
    result = run_cli(['tools/train.py', CONFIG, '--work-dir', work, '--seed', '0',
                      '--cfg-options', f'load_from={coco}',
                      f'train_dataloader.dataset.data_root={root}/',
                      'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
                      'train_cfg.max_epochs=1', f'frozen_enhancer.config={ENHANCER}',
                      f'frozen_enhancer.checkpoint={ENHANCER_CKPT}'], timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]

    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu', weights_only=True)
    state = ckpt['state_dict']
    start = torch.load(coco, map_location='cpu', weights_only=True)  # a bare state dict
    start = start.get('state_dict', start)
    assert not [k for k in state if 'enhancer' in k]
    assert set(state) == set(start)
    preds = [k for k in state if k.startswith('bbox_head.convs_pred.') and k.endswith('weight')]
    assert preds and all(state[k].shape[0] == 3 * (5 + 12) for k in preds)
    assert all(start[k].shape[0] == 3 * (5 + 80) for k in preds)
    moved = [k for k in state if k.startswith('backbone.') and state[k].is_floating_point() and
             not torch.equal(state[k], start[k])]
    assert moved, 'the backbone did not change: nothing was trained'
    sha = hashlib.sha256((PROJECT_ROOT / ENHANCER_CKPT).read_bytes()).hexdigest()
    assert ckpt['meta']['frozen_enhancer']['checkpoint_sha256'] == sha
    assert ckpt['meta']['frozen_enhancer']['config'] == ENHANCER

    from sdag_bench.benchmark.run.frozen_detector import build_frozen_detector
    detector = build_frozen_detector(str(PROJECT_ROOT / CONFIG), str(work / 'epoch_1.pth'))
    loaded = detector.state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_gpu_recipe_config_is_yolas_schedule_behind_a_frozen_enhancer() -> None:
    """The GPU recipe parses and says what it trains (not run here)."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(PROJECT_ROOT / RECIPE))
    assert cfg.frozen_enhancer['config'] == 'configs/enhancers/zerodce.py'
    assert cfg.train_cfg.max_epochs == 24 and cfg.model.bbox_head.num_classes == 12
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=1e-3, momentum=0.9,
                                               weight_decay=5e-4)
    assert [s['milestones'] for s in cfg.param_scheduler if 'milestones' in s] == [[18, 23]]
    assert not [s for s in cfg.train_dataloader.dataset.pipeline
                if s['type'] == 'PhotoMetricDistortion']
    assert cfg.detector_weights == 'fine-tuned'
