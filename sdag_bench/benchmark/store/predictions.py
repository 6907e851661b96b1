"""Per-image predictions of a cell, stored next to its record (``<cell>.predictions.npz``).

Everything a detection metric needs besides the ground truth (which is in the annotation file,
whose sha256 the record keeps): for every test image its id and file name, the boxes in
original-image coordinates (x1, y1, x2, y2), scores and labels, and its image-quality values
(NIQE, PSNR, SSIM, ... ; NaN where not scored). ``tools/rescore.py`` recomputes a cell's
metrics from this file without the detector; statistics can resample images from it.

Layout (numpy ``savez_compressed``): ``img_ids`` (M,), ``img_names`` (M,) str,
``ori_shapes`` (M, 2), ``offsets`` (M + 1,): the boxes of image i are rows
``offsets[i]:offsets[i + 1]`` of ``bboxes`` (K, 4) float32, ``scores`` (K,) float32 and
``labels`` (K,) int64; ``quality/<name>`` (M,) float64 per quality metric.

A record and its predictions are one unit: the record holds the sha256 of the file it was
written with, and every reader (intervals, rescoring, reports, the store's reuse) goes through
:func:`load_bound_predictions` or :func:`binding_problem`, which hash the bytes they read.
"""
import hashlib
import io
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from sdag_bench.utils.safe_load import load_npz
from ...utils.atomic_files import write_atomic
from ...utils.file_hashes import sha256_file

FORMAT_VERSION = 1


def _get(sample: Any, key: str, default: Any = None) -> Any:
    if isinstance(sample, dict):
        return sample.get(key, default)
    if key in getattr(sample, 'metainfo', {}):
        return sample.metainfo[key]
    return getattr(sample, key, default)


def _numpy(value: Any) -> np.ndarray:
    return value.detach().cpu().numpy() if hasattr(value, 'detach') else np.asarray(value)


class PredictionCollector:
    """Collects one detector's outputs image by image during a benchmark pass."""

    def __init__(self) -> None:
        self.images: Dict[int, Dict[str, Any]] = {}

    def add(self, samples: Sequence[Any]) -> None:
        """Record the predictions of a batch (mmdet ``DetDataSample`` outputs or dicts).

        Args:
            samples (Sequence): Detector outputs with ``img_id``, ``img_path``,
                ``ori_shape`` and ``pred_instances`` (boxes in original coordinates).
        """
        for sample in samples:
            pred = _get(sample, 'pred_instances')
            img_id = int(_get(sample, 'img_id'))
            entry = self.images.setdefault(img_id, dict(quality={}))
            entry.update(
                name=osp.basename(str(_get(sample, 'img_path', '') or '')),
                ori_shape=tuple(int(v) for v in (_get(sample, 'ori_shape') or (0, 0))[:2]),
                bboxes=_numpy(pred['bboxes']).astype(np.float32).reshape(-1, 4),
                scores=_numpy(pred['scores']).astype(np.float32).reshape(-1),
                labels=_numpy(pred['labels']).astype(np.int64).reshape(-1))

    def add_quality(self, samples: Sequence[Any], scores: Sequence[Dict[str, Any]]) -> None:
        """Record per-image quality values (``ImageQualityMetric.score_images`` dicts)."""
        for sample, values in zip(samples, scores):
            entry = self.images.setdefault(int(_get(sample, 'img_id')), dict(quality={}))
            entry['quality'].update({k: float(v) for k, v in values.items()
                                     if isinstance(v, (int, float)) and not isinstance(v, bool)})

    def add_quality_from(self, evaluator: Any, samples: Sequence[Any]) -> None:
        """Take the per-image scores an image-quality evaluator just computed for ``samples``
        (the last ``len(samples)`` results of each of its metrics that scores images)."""
        for metric in getattr(evaluator, 'metrics', []):
            if hasattr(metric, 'score_images') and len(metric.results) >= len(samples):
                self.add_quality(samples, metric.results[-len(samples):])

    def gather(self) -> 'PredictionCollector':
        """Merge the collectors of all ranks of a distributed run (every rank gets all)."""
        from mmengine.dist import all_gather_object, get_world_size
        if get_world_size() > 1:
            merged: Dict[int, Dict[str, Any]] = {}
            for part in all_gather_object(self.images):
                merged.update(part)
            self.images = merged
        return self

    def arrays(self) -> Dict[str, np.ndarray]:
        """The collected predictions as the arrays of the file layout (sorted by image id)."""
        ids = sorted(i for i, e in self.images.items() if 'bboxes' in e)
        entries = [self.images[i] for i in ids]
        counts = [len(e['scores']) for e in entries]
        out = dict(
            format_version=np.array(FORMAT_VERSION),
            img_ids=np.array(ids, dtype=np.int64),
            img_names=np.array([e['name'] for e in entries], dtype=str),
            ori_shapes=np.array([e['ori_shape'] for e in entries], dtype=np.int64).reshape(-1, 2),
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            bboxes=np.concatenate([e['bboxes'] for e in entries]) if entries else
            np.zeros((0, 4), np.float32),
            scores=np.concatenate([e['scores'] for e in entries]) if entries else
            np.zeros(0, np.float32),
            labels=np.concatenate([e['labels'] for e in entries]) if entries else
            np.zeros(0, np.int64),
        )
        names = sorted({k for e in entries for k in e['quality']})
        for name in names:
            out[f'quality/{name}'] = np.array(
                [e['quality'].get(name, np.nan) for e in entries], dtype=np.float64)
        return out


def save_predictions(path: str, arrays: Any) -> Dict[str, Any]:
    """Write predictions atomically (compressed npz) and describe them for the record.

    Args:
        path (str): Destination (``<cell>.predictions.npz``).
        arrays (dict | PredictionCollector): :meth:`PredictionCollector.arrays` output.

    Returns:
        dict: ``file`` (name), ``sha256``, ``num_images``, ``num_boxes``, ``bytes``.
    """
    if isinstance(arrays, PredictionCollector):
        arrays = arrays.arrays()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    data = buffer.getvalue()
    write_atomic(path, lambda f: f.write(data), binary=True)
    return dict(file=osp.basename(path), sha256=hashlib.sha256(data).hexdigest(),
                num_images=int(len(arrays['img_ids'])), num_boxes=int(len(arrays['scores'])),
                bytes=len(data))


class PredictionsMismatch(ValueError):
    """A predictions file is not the one its record was written with (names both)."""


def _bound_sha256(record: Dict[str, Any]) -> Optional[str]:
    info = record.get('predictions')
    return info.get('sha256') if isinstance(info, dict) else None


def binding_problem(record: Dict[str, Any], path: str) -> Optional[str]:
    """Why the predictions file at ``path`` is not the record's own; None when it is (or when
    the record names no predictions file, or the file is absent).

    Args:
        record (dict): The cell record (``predictions.sha256``).
        path (str): The predictions file next to it.

    Returns:
        str | None: The mismatch in words (both digests), or None.
    """
    expected = _bound_sha256(record)
    if not expected or not osp.isfile(path):
        return None
    digest = sha256_file(path)
    if digest == expected:
        return None
    return (f'{osp.basename(path)} is not the predictions file of this record (sha256 '
            f'{digest[:12]}, the record was written with {expected[:12]})')


def load_bound_predictions(record: Dict[str, Any], path: str) -> Dict[str, np.ndarray]:
    """Read a cell's predictions file, checking that it is the one its record was written with.

    The bytes are read once, hashed and parsed, so what is checked is what is used.

    Args:
        record (dict): The cell record (its ``predictions.sha256``).
        path (str): The predictions file.

    Returns:
        dict[str, np.ndarray]: As :func:`load_predictions`.

    Raises:
        PredictionsMismatch: The file's sha256 is not the record's, or the record has none.
        ValueError: The file is not a predictions file.
    """
    expected = _bound_sha256(record)
    with open(path, 'rb') as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    if not expected:
        raise PredictionsMismatch(f'{path}: the record names no sha256 for its predictions; '
                                  'recompute the cell (tools/benchmark.py --force)')
    if digest != expected:
        raise PredictionsMismatch(f'{path} does not belong to this record (sha256 '
                                  f'{digest[:12]}, the record was written with {expected[:12]})')
    return load_predictions(data, path)


def load_predictions(source: Any, name: Optional[str] = None) -> Dict[str, np.ndarray]:
    """Read a predictions file (see the module docstring for the layout).

    Args:
        source (str | bytes): The file, or its content.
        name (str, optional): The file's name for messages (with bytes).

    Raises:
        ValueError: The file is not a predictions file (naming it).
    """
    path = name or ('<bytes>' if isinstance(source, bytes) else source)
    try:
        arrays = load_npz(source, path)
    except ValueError as err:
        raise ValueError(f'not a readable predictions file ({err})') from None
    missing = [k for k in ('img_ids', 'offsets', 'bboxes', 'scores', 'labels') if k not in arrays]
    if missing:
        raise ValueError(f'{path}: predictions file without {missing}')
    return arrays


def per_image(arrays: Dict[str, np.ndarray]) -> List[Dict[str, Any]]:
    """The predictions as one dict per image: ``img_id``, ``name``, ``ori_shape``,
    ``bboxes``, ``scores``, ``labels`` and ``quality`` (name -> value)."""
    offsets = arrays['offsets']
    quality = {k.split('/', 1)[1]: v for k, v in arrays.items() if k.startswith('quality/')}
    out = []
    for i, img_id in enumerate(arrays['img_ids']):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        out.append(dict(img_id=int(img_id),
                        name=str(arrays['img_names'][i]) if 'img_names' in arrays else '',
                        ori_shape=tuple(int(v) for v in arrays['ori_shapes'][i])
                        if 'ori_shapes' in arrays else (0, 0),
                        bboxes=arrays['bboxes'][lo:hi], scores=arrays['scores'][lo:hi],
                        labels=arrays['labels'][lo:hi],
                        quality={k: float(v[i]) for k, v in quality.items()}))
    return out
