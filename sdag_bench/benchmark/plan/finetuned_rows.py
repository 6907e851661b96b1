"""Fine-tuned rows: a detector entry that pairs each enhancer row with the weights fine-tuned
behind it.

A benchmark config's detector entry may give, instead of one ``checkpoint``::

    demo_retinanet_finetuned=dict(
        config='configs/detectors/demo_retinanet_finetuned.py',
        enhancer_checkpoints=dict(identity='checkpoints/demo_finetuned/identity_s0.pth',
                                  zerodce='checkpoints/demo_finetuned/zerodce_s0.pth'))

Each enhancer row is then tested with the detector fine-tuned behind that enhancer; rows with
no pairing are skipped for this detector and named in the run's notes. A checkpoint written by
``tools/train.py`` with ``frozen_enhancer`` records which enhancer it was trained behind
(``meta['frozen_enhancer']``); a pairing that contradicts the record is refused, and the record
goes into every cell's protocol as ``fine_tuned_behind``.
"""
import os.path as osp
from typing import Dict, List, Optional

from sdag_bench.utils.checkpoint import CheckpointError, load_checkpoint_file
from sdag_bench.utils.paths import resolve_project_path
from ..cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec, file_sha256, load_config

#: Detector-entry key: enhancer row name -> checkpoint fine-tuned behind it.
PAIRING_KEY = 'enhancer_checkpoints'
#: Checkpoint ``meta`` key written by ``FrozenEnhancerRecordHook``.
RECORD_KEY = 'frozen_enhancer'


def enhancer_pairing(name: str, entry: dict) -> Optional[Dict[str, str]]:
    """The ``enhancer_checkpoints`` of a detector entry (paths resolved), or None.

    Args:
        name (str): Detector name (for messages).
        entry (dict): The benchmark config's detector entry.

    Returns:
        dict[str, str] | None: Enhancer row name -> checkpoint path.

    Raises:
        ValueError: Not a mapping of names to paths, or combined with ``checkpoint``.
    """
    pairing = entry.get(PAIRING_KEY)
    if pairing is None:
        return None
    if not isinstance(pairing, dict) or not pairing or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in pairing.items()):
        raise ValueError(f'detector {name}: {PAIRING_KEY} must map enhancer row names to '
                         f'checkpoint paths, got {pairing!r}')
    if entry.get('checkpoint'):
        raise ValueError(f'detector {name}: give either checkpoint or {PAIRING_KEY}, not both')
    return {row: resolve_project_path(path) for row, path in pairing.items()}


def trained_behind(checkpoint: Optional[str]) -> Optional[Dict[str, str]]:
    """The ``meta['frozen_enhancer']`` record of a detector checkpoint, if it has one.

    Args:
        checkpoint (str, optional): Detector weights.

    Returns:
        dict | None: ``name``, ``config``, ``type``, ``checkpoint``, ``checkpoint_sha256``.
    """
    if not checkpoint or not osp.isfile(checkpoint):
        return None
    try:
        meta = load_checkpoint_file(checkpoint).get('meta') or {}
    except CheckpointError:
        return None
    record = meta.get(RECORD_KEY) if isinstance(meta, dict) else None
    return dict(record) if isinstance(record, dict) else None


def describe_record(record: Optional[Dict[str, str]]) -> Optional[str]:
    """One line for a cell's protocol: ``zerodce (ZeroDCE, weights sha256 03f8c104)``."""
    if not record:
        return None
    sha = record.get('checkpoint_sha256') or ''
    weights = f'weights sha256 {sha[:8]}' if sha else 'no weights'
    return f"{record.get('name')} ({record.get('type')}, {weights})"


def fine_tuned_behind(checkpoint: Optional[str]) -> Optional[str]:
    """:func:`describe_record` of a detector checkpoint (None for weights without a record)."""
    return describe_record(trained_behind(checkpoint))


def check_pairing(detector: str, checkpoint: str, row: EnhancerSpec) -> None:
    """Refuse a pairing that the checkpoint's own record contradicts.

    The record matches the row when the enhancer type and the sha256 of the enhancer's weights
    are the same (rows without weights: the type alone). Checkpoints without a record (weights
    from elsewhere) are taken as paired.

    Raises:
        ValueError: Naming the checkpoint, what it was trained behind and the row.
    """
    record = trained_behind(checkpoint)
    if record is None:
        return
    row_type = str(load_config(row.config).enhancer['type']).split('.')[-1]
    row_sha = file_sha256(row.checkpoint) if row.checkpoint else ''
    if record.get('type') != row_type or (record.get('checkpoint_sha256') or '') != row_sha:
        raise ValueError(
            f'detector {detector}: {checkpoint} was fine-tuned behind {describe_record(record)} '
            f'({record.get("config")}), but {PAIRING_KEY} pairs it with enhancer row '
            f'{row.name} ({row_type}, '
            f'{"weights sha256 " + row_sha[:8] if row_sha else "no weights"})')


def paired_cells(rows: List[EnhancerSpec], dataset: DatasetSpec, detector: DetectorSpec,
                 pairing: Dict[str, str], notes: List[str]) -> List[CellSpec]:
    """One cell per enhancer row that has a fine-tuned checkpoint; the others are noted.

    Args:
        rows (list[EnhancerSpec]): The dataset's enhancer rows (bounds included).
        dataset (DatasetSpec): The dataset.
        detector (DetectorSpec): Name and config (its checkpoint is ignored).
        pairing (dict[str, str]): From :func:`enhancer_pairing`.
        notes (list[str]): Receives a line per skipped row.

    Returns:
        list[CellSpec]: Cells with the paired checkpoint as the detector's weights.

    Raises:
        FileNotFoundError: A paired checkpoint is missing.
        ValueError: A checkpoint's record contradicts its pairing.
    """
    cells = []
    unpaired = []
    for row in rows:
        checkpoint = pairing.get(row.name)
        if checkpoint is None:
            unpaired.append(row.name)
            continue
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'detector {detector.name}: the checkpoint fine-tuned behind {row.name}, '
                f'{checkpoint}, not found (train it, e.g. tools/finetune_demo_zoo.sh)')
        check_pairing(detector.name, checkpoint, row)
        cells.append(CellSpec(row, dataset, DetectorSpec(name=detector.name,
                                                         config=detector.config,
                                                         checkpoint=checkpoint)))
    if unpaired:
        notes.append(f'detector {detector.name} on {dataset.name}: no fine-tuned checkpoint '
                     f'for {len(unpaired)} enhancer row(s), skipped: {", ".join(unpaired)}')
    return cells


__all__ = ['PAIRING_KEY', 'enhancer_pairing', 'trained_behind', 'fine_tuned_behind',
           'check_pairing', 'paired_cells', 'describe_record']
