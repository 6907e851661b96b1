"""What a cell file must hold to be served: strict JSON, its own cell, values in range.

Every reader of the store (the benchmark's reuse, ``tools/make_tables.py``,
``tools/rescore.py``, the seed study, the fine-tuned table) goes through
``ResultStore.read_record``, which calls :func:`parse_record` and :func:`check_record`; a
violation is a ``ValueError`` whose message names the problem and the value. The binding of a
record to its ``<cell>.predictions.npz`` (the sha256 the record holds) is checked by
``predictions.py`` wherever the predictions are read.
"""
import json
import re
from typing import Any, Dict

from sdag_bench.metrics.metric_info import check_metric_value

PREDICTIONS_SUFFIX = '.predictions.npz'
#: Integer counts stored at the top level of a record.
RECORD_COUNTS = ('num_images', 'skipped_images', 'nonfinite_images', 'nonfinite_predictions')
_SHA256 = re.compile(r'[0-9a-f]{64}')


def _reject_constant(token: str) -> None:
    raise ValueError(f'not strict JSON (a {token} literal; the store writes NaN/inf as null)')


def parse_record(raw: bytes) -> Dict[str, Any]:
    """Parse a cell file's bytes as strict JSON (no ``NaN`` / ``Infinity`` literals).

    Args:
        raw (bytes): File content.

    Returns:
        dict: The JSON object.

    Raises:
        ValueError: Why it is not a record.
    """
    try:
        record = json.loads(raw.decode('utf-8'), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ValueError('not text (binary content)') from None
    except json.JSONDecodeError as err:
        raise ValueError(f'not valid JSON ({err.msg} at byte {err.pos} of '
                         f'{len(raw)}; truncated?)') from None
    if not isinstance(record, dict):
        raise ValueError(f'JSON {type(record).__name__}, not a record')
    missing = [k for k in ('key', 'metrics') if k not in record]
    if missing or not isinstance(record.get('metrics'), dict):
        raise ValueError(f'a JSON object without {missing or ["metrics"]}')
    return record


def cell_name_of(record: Dict[str, Any]) -> str:
    """``<enhancer>__<dataset>__<detector>`` of a record (as ``CellSpec.name``).

    Raises:
        ValueError: The record has no such names.
    """
    cell = record.get('cell')
    names = []
    for part in ('enhancer', 'dataset', 'detector'):
        entry = cell.get(part) if isinstance(cell, dict) else None
        name = entry.get('name') if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise ValueError(f'no {part} name in its "cell"')
        names.append(name)
    return '__'.join(names)


def check_record(record: Dict[str, Any], file_name: str) -> None:
    """Check that a parsed record is the cell its file is named after, with sound values.

    Args:
        record (dict): From :func:`parse_record`.
        file_name (str): The cell file's name (``<cell>.json``).

    Raises:
        ValueError: The first problem found: another cell's record, a predictions entry naming
            another file or without a sha256, a metric value of the wrong type or outside its
            range (``METRIC_INFO``), a NaN stored without being listed, a bad count.
    """
    stem = file_name[:-len('.json')] if file_name.endswith('.json') else file_name
    name = cell_name_of(record)
    if name != stem:
        raise ValueError(f'it holds the record of cell {name}, not of {stem}')
    if not isinstance(record['key'], str):
        raise ValueError(f'key {record["key"]!r} is not a string')
    predictions = record.get('predictions')
    if predictions is not None:
        if not isinstance(predictions, dict) or predictions.get('file') != stem + \
                PREDICTIONS_SUFFIX:
            raise ValueError(f'its predictions entry does not name {stem}{PREDICTIONS_SUFFIX}')
        if not _SHA256.fullmatch(str(predictions.get('sha256'))):
            raise ValueError('its predictions entry has no sha256 binding it to the file')
    nonfinite = record.get('nonfinite_values') or []
    if not isinstance(nonfinite, list):
        raise ValueError('nonfinite_values is not a list')
    for metric, value in record['metrics'].items():
        problem = check_metric_value(str(metric), value)
        if problem:
            raise ValueError(f'metric {problem}')
        if value is None and f'metrics/{metric}' not in nonfinite:
            raise ValueError(f'metric {metric} is null but not listed in nonfinite_values')
    for count in RECORD_COUNTS:
        value = record.get(count)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise ValueError(f'{count} = {value!r} is not a count')
