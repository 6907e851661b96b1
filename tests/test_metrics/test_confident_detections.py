"""ConfidentDetectionCount and the unlabelled image list it is used with."""
import pytest
import torch

from sdag_bench.datasets.image_list import DetImageList
from sdag_bench.metrics.canonical import canonical_metrics
from sdag_bench.metrics.confident_detections import ConfidentDetectionCount


def _sample(scores, labels=None):
    scores = torch.tensor(scores)
    labels = torch.zeros(len(scores), dtype=torch.long) if labels is None else torch.tensor(labels)
    return dict(pred_instances=dict(scores=scores, labels=labels))


def test_counts_detections_at_or_above_the_threshold():
    metric = ConfidentDetectionCount(score_thr=0.5)
    metric.process({}, [_sample([0.9, 0.5, 0.49]), _sample([]), _sample([0.7])])
    assert metric.evaluate(3) == {'confident/count': 3.0, 'confident/per_image': 1.0,
                                  'confident/images_with_detection': 2.0}


def test_what_it_counts_names_the_canonical_metrics():
    raw = {'objects/count': 3.0, 'objects/per_image': 1.0, 'objects/images_with_detection': 2.0}
    general = dict(type='ConfidentDetectionCount', prefix='objects')
    assert canonical_metrics(raw, [general])[0] == {
        'detections': 3.0, 'detections_per_image': 1.0, 'images_with_detections': 2.0}
    faces = dict(general, counts='faces')
    assert canonical_metrics(raw, [faces])[0] == {
        'faces': 3.0, 'faces_per_image': 1.0, 'images_with_faces': 2.0}
    built = ConfidentDetectionCount(counts='faces', prefix='objects')
    assert set(canonical_metrics(raw, [built])[0]) == {'faces', 'faces_per_image',
                                                       'images_with_faces'}
    with pytest.raises(ValueError, match="counts 'cars'"):
        ConfidentDetectionCount(counts='cars')


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
