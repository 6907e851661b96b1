"""ConfidentDetectionCount and the unlabelled image list it is used with."""
import pytest
import torch

from sdag_bench.datasets.image_list import DetImageList
from sdag_bench.metrics.confident_detections import ConfidentDetectionCount


def _sample(scores, labels=None):
    scores = torch.tensor(scores)
    labels = torch.zeros(len(scores), dtype=torch.long) if labels is None else torch.tensor(labels)
    return dict(pred_instances=dict(scores=scores, labels=labels))


def test_counts_detections_at_or_above_the_threshold():
    metric = ConfidentDetectionCount(score_thr=0.5)
    metric.process({}, [_sample([0.9, 0.5, 0.49]), _sample([]), _sample([0.7])])
    assert metric.evaluate(3) == {'faces/count': 3.0, 'faces/per_image': 1.0,
                                  'faces/images_with_detection': 2.0}


def test_counts_only_chosen_labels():
    metric = ConfidentDetectionCount(score_thr=0.5, labels=[10], prefix='people')
    metric.process({}, [_sample([0.9, 0.8], labels=[10, 4])])
    assert metric.evaluate(1)['people/count'] == 1.0


def test_image_list_names_missing_files(tmp_path):
    (tmp_path / 'a.png').write_bytes(b'')
    data = DetImageList(data_root=str(tmp_path), img_names=['a.png'], test_mode=True,
                        pipeline=[])
    assert data[0]['img_id'] == 1 and data[0]['instances'] == []
    with pytest.raises(FileNotFoundError, match='b.png'):
        DetImageList(data_root=str(tmp_path), img_names=['b.png'], pipeline=[])
