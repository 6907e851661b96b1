"""The ground truth the interval and per-light reports read is cached per process by the
annotation file's content, not its path: an edited file is read again."""
import json

import numpy as np
from PIL import Image

from sdag_bench.benchmark.report.intervals import cell_ground_truth
from sdag_bench.utils.paths import PROJECT_ROOT


def _write_set(root, box) -> None:
    Image.new('RGB', (64, 48)).save(root / 'a.jpg')
    (root / 'ann.json').write_text(json.dumps(dict(
        images=[dict(id=1, file_name='a.jpg', width=64, height=48)],
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(
            ['Bicycle', 'Boat', 'Bottle', 'Bus', 'Car', 'Cat', 'Chair', 'Cup', 'Dog',
             'Motorbike', 'People', 'Table'])],
        annotations=[dict(id=1, image_id=1, category_id=5, bbox=box, area=box[2] * box[3],
                          iscrowd=0)])))


def _write_config(root):
    """A dataset config of the one-photo set in ``root`` (ExDark600's, moved there)."""
    config = root / 'set.py'
    config.write_text(
        f"_base_ = '{PROJECT_ROOT / 'configs/_base_/datasets/exdark600.py'}'\n"
        f"test_dataloader = dict(dataset=dict(data_root='{root}', ann_file='ann.json',\n"
        "                                     data_prefix=dict(img='')))\n")
    return config


def test_an_edited_annotation_file_is_read_again(tmp_path):
    _write_set(tmp_path, [4, 4, 10, 10])
    config = _write_config(tmp_path)
    record = dict(cell=dict(dataset=dict(config=str(config)), enhancer=dict()))
    truth, _ = cell_ground_truth(record)
    np.testing.assert_allclose(truth[1]['bboxes'], [[4, 4, 14, 14]])
    _write_set(tmp_path, [20, 8, 30, 30])  # same path, new content
    truth, _ = cell_ground_truth(record)
    np.testing.assert_allclose(truth[1]['bboxes'], [[20, 8, 50, 38]])


def test_matches_are_made_once_per_predictions_and_ground_truth(tmp_path, monkeypatch):
    """The interval and per-light reports share a cell's matches: the same bound predictions on
    the same ground truth are matched once; an edited annotation file is matched again."""
    import sdag_bench.benchmark.report.intervals as intervals
    calls = []
    real_match = intervals.match_voc
    monkeypatch.setattr(intervals, 'match_voc',
                        lambda *args, **kwargs: calls.append(1) or real_match(*args, **kwargs))
    _write_set(tmp_path, [4, 4, 10, 10])
    config = _write_config(tmp_path)
    record = dict(cell=dict(dataset=dict(config=str(config)), enhancer=dict()),
                  predictions=dict(sha256='f' * 64))
    arrays = dict(img_ids=np.array([1]), offsets=np.array([0, 1]),
                  bboxes=np.array([[4, 4, 14, 14]], np.float32),
                  scores=np.array([0.9], np.float32), labels=np.array([4]))
    first, _, _ = intervals.cell_voc_matches(record, arrays)
    again, _, _ = intervals.cell_voc_matches(record, arrays)
    assert again is first and len(calls) == 1 and first.tp[4].tolist() == [True]
    _write_set(tmp_path, [20, 8, 10, 30])  # the box moved: the detection now misses it
    moved, _, _ = intervals.cell_voc_matches(record, arrays)
    assert len(calls) == 2 and moved.tp[4].tolist() == [False]
