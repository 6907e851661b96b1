"""Recompute random finished cells and compare them with the store (``--verify N``).

The cell key sees every input file and setting, but not the code: a change in the harness or a
library that changes numbers without a new ``HARNESS_VERSION`` is caught only by recomputing.
The drawn cells' input files are hashed again without the file-hash cache, so a difference is
blamed on the inputs (files changed since the cell was computed) or on the code, not guessed.
"""
import math
import random
from typing import Any, Dict, List, Optional

from mmengine.dist import broadcast_object_list, is_main_process

from ..cells import CellSpec
from ..store.result_store import ResultStore
from .evaluate import evaluate_cells
from ..options import EvaluationOptions
from .run_cells import cell_keys

#: Metrics that are measurements of the machine, not results (never compared).
VOLATILE_METRICS = ('cost/ms_per_image', )


def compare_metrics(stored: Dict[str, Any], fresh: Dict[str, Any], rel_tol: float = 1e-6,
                    abs_tol: float = 1e-9) -> List[str]:
    """Differences between two ``metrics`` dicts (missing keys, values beyond tolerance).

    Args:
        stored (dict): Metrics read from the store (None for a stored NaN).
        fresh (dict): Metrics just computed.
        rel_tol (float): Relative tolerance. Defaults to 1e-6.
        abs_tol (float): Absolute tolerance. Defaults to 1e-9.

    Returns:
        list[str]: One line per difference; empty when they agree.
    """
    lines = []
    for name in sorted(set(stored) | set(fresh)):
        if name in VOLATILE_METRICS:
            continue
        if name not in fresh or name not in stored:
            lines.append(f'{name}: only in the {"store" if name in stored else "new run"}')
            continue
        a, b = stored[name], fresh[name]
        a = None if isinstance(a, float) and not math.isfinite(a) else a
        b = None if isinstance(b, float) and not math.isfinite(b) else b
        if a is None or b is None or isinstance(a, str) or isinstance(b, str):
            if a != b:
                lines.append(f'{name}: stored {a!r}, now {b!r}')
        elif not math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=abs_tol):
            lines.append(f'{name}: stored {a!r}, now {b!r}')
    return lines


def verify_cells(cells: List[CellSpec], store: ResultStore, count: int,
                 options: Optional[EvaluationOptions] = None,
                 rng_seed: Optional[int] = None) -> List[Dict[str, Any]]:
    """Recompute ``count`` random finished (current) cells and compare their metrics.

    Args:
        cells (list[CellSpec]): Candidate cells (those stored with a current key are drawn).
        store (ResultStore): The store.
        count (int): How many cells to recompute.
        options (EvaluationOptions, optional): As for ``run_cells`` (the same options give the
            same keys). Defaults to None (``EvaluationOptions(progress=False)``).
        rng_seed (int, optional): Seed of the draw. Defaults to None (random).

    Returns:
        list[dict]: Per verified cell: ``cell`` (name), ``differences`` (list of str) and
        ``inputs_changed`` (its input files, hashed again, no longer give the stored key).
    """
    options = options or EvaluationOptions(progress=False)
    keyed = cell_keys(cells, store, options)
    chosen = None
    if is_main_process():
        finished = [i for i, cell in enumerate(cells)
                    if store.load(cell, keyed[i]['key']) is not None]
        chosen = random.Random(rng_seed).sample(finished, min(count, len(finished)))
    box = [chosen]
    broadcast_object_list(box)
    report = []
    rehashed = cell_keys([cells[i] for i in box[0]], store, options, cached=False)
    for index, again in zip(box[0], rehashed):
        cell = cells[index]
        fresh = evaluate_cells([cell], options)[0]
        stored = store.load(cell, keyed[index]['key']) if is_main_process() else None
        differences = compare_metrics(stored['metrics'], fresh['metrics']) if stored else []
        changed = again['key'] != keyed[index]['key']
        if changed:
            differences.insert(0, f'inputs: the files on disk, hashed again, give key '
                                  f'{again["key"]}, not the stored {keyed[index]["key"]}')
        report.append(dict(cell=cell.name, differences=differences, inputs_changed=changed))
    return report
