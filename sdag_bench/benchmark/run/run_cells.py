"""Run a list of cells against a result store: reuse finished cells, compute the rest.

Runs sharing a work dir (several processes, a slurm array over a shared filesystem) cooperate
through per-cell claims (``claims.py``): a cell is computed by the run that claims it; the others
go on with other cells, then wait for it and read its result. Every computed cell is logged in
``cells/computed.log`` with the host and pid that computed it.
"""
import datetime
import os
import os.path as osp
from typing import Any, Dict, List, Optional

from mmengine.dist import barrier, broadcast_object_list, is_main_process
from tqdm import tqdm

from ..cells import CellSpec
from ..store.result_store import ResultStore
from ..store.claims import CellClaims, log_computed
from .cell_inputs import DataInputs
from .evaluate import evaluate_cells, shares_enhancement
from ..options import EvaluationOptions
from .enhanced_folder import folder_digest, precomputed_folder
from ...utils.atomic_files import host_name


def _from_main(value: Any) -> Any:
    """The main process's ``value`` on every rank (all ranks take the same branch)."""
    box = [value]
    broadcast_object_list(box)
    return box[0]


def cell_keys(cells: List[CellSpec], store: ResultStore,
              options: Optional[EvaluationOptions] = None,
              cached: bool = True) -> List[Dict[str, Any]]:
    """Key and inputs of each cell (computed on the main process, shared with all ranks).

    Args:
        cells (list[CellSpec]): The cells.
        store (ResultStore): Holds the file-hash cache (``<root>/.cache``).
        options (EvaluationOptions, optional): The run options; their
            :meth:`~EvaluationOptions.settings` are part of each key. Defaults to None
            (``EvaluationOptions()``).
        cached (bool): Use the file-hash cache; False hashes every input file again.
            Defaults to True.

    Returns:
        list[dict]: ``key`` and ``inputs`` (settings and data digests) per cell.
    """
    out = None
    if is_main_process():
        settings = (options or EvaluationOptions()).settings()
        data = DataInputs(osp.join(store.root, '.cache', 'file_hashes.json') if cached
                          else None)
        out = []
        for cell in cells:
            digests = data.of(cell)
            folder = precomputed_folder(cell.enhancer.config)
            if folder:  # a folder of enhanced images: its contents are part of the key
                digests = dict(digests, enhanced_dir=folder_digest(folder, data.hashes.sha256))
                data.hashes.save()
            out.append(dict(key=cell.key(settings, digests),
                            inputs=dict(settings=settings, data=digests)))
    return _from_main(out)


def run_cells(cells: List[CellSpec], store: ResultStore,
              options: Optional[EvaluationOptions] = None, force: bool = False,
              poll_s: float = 1.0) -> List[Dict[str, Any]]:
    """Evaluate every cell not already stored (or all with ``force``) and store it.

    Cells that differ only in the detector are evaluated in one pass, so each image is
    enhanced once however many detectors look at it. Every process of a distributed run
    evaluates the same cells on its shard of the data; the main process claims cells and writes
    the results atomically. A cell claimed by another live run is left to it and read when it
    is released (computed here if that run died without storing it).

    Args:
        cells (list[CellSpec]): What to run.
        store (ResultStore): Where results live.
        options (EvaluationOptions, optional): Device, batch size, extra metrics, cost, seed,
            progress bars. Defaults to None (``EvaluationOptions()``).
        force (bool): Recompute finished cells. Defaults to False.
        poll_s (float): Seconds between checks of a cell claimed by another run.

    Returns:
        list[dict]: The records of all cells, in the order given; each has ``cached``.
    """
    options = options or EvaluationOptions()
    main = is_main_process()
    if main:
        store.clean_temporaries()
    records: List[Optional[Dict[str, Any]]] = [None] * len(cells)
    keyed = cell_keys(cells, store, options)
    keys = [k['key'] for k in keyed]
    claims = CellClaims(store.cell_dir)

    def stored(index: int) -> bool:
        """Reuse a current stored record (decided on the main process)."""
        record = store.load(cells[index], keys[index]) if main else None
        record = _from_main(record)
        if record is not None:
            records[index] = dict(record, cached=True)
        return record is not None

    todo = [i for i in range(len(cells)) if force or not stored(i)]
    bar = tqdm(total=len(todo), desc='cells', unit='cell',
               disable=not (options.progress and main) or not todo)
    while todo:
        deferred: List[int] = []
        for group in _groups(cells, todo):
            mine = _from_main([i for i in group if claims.acquire(cells[i].name)]
                              if main else None)
            taken = [i for i in group if i not in mine]
            deferred += taken
            try:
                if not force:  # another run may have stored it since our first look
                    mine = [i for i in mine if not stored(i)]
                if mine:
                    bar.set_postfix_str(cells[mine[0]].enhancer.name)
                    _compute(cells, mine, keys, keyed, store, records, options)
            finally:
                if main:
                    for i in group:
                        claims.release(cells[i].name)
            bar.update(len(group) - len(taken))
        # cells claimed by other runs: wait for each, then read it (or take it over)
        todo = []
        for index in deferred:
            if main:
                holder = claims.read(cells[index].name)
                if holder and not claims.is_stale(cells[index].name, holder):
                    bar.write(f'[benchmark] waiting for {cells[index].name}, computed by '
                              f'{holder.get("host")} pid {holder.get("pid")} since '
                              f'{holder.get("start")}')
                claims.wait(cells[index].name, poll_s=poll_s)
            if stored(index):
                bar.update(1)
            else:
                todo.append(index)
        force = False  # what others computed during this run is current
    bar.close()
    return records


def _groups(cells: List[CellSpec], indices: List[int]) -> List[List[int]]:
    """Cells that see the same enhanced images (one enhancer and dataset, several
    detectors) run as one pass: each batch is enhanced once."""
    groups: List[List[int]] = []
    for index in indices:
        group = next((g for g in groups if shares_enhancement(cells[g[0]], cells[index])), None)
        if group is None:
            groups.append([index])
        else:
            group.append(index)
    return groups


def _compute(cells, indices, keys, keyed, store, records, options) -> None:
    """Evaluate one group of cells in one pass, store and log each."""
    results = evaluate_cells([cells[i] for i in indices], options)
    for index, record in zip(indices, results):
        record.update(key=keys[index], inputs=keyed[index]['inputs'],
                      computed_by=dict(host=host_name(), pid=os.getpid()),
                      created=datetime.datetime.now().isoformat(timespec='seconds'))
        predictions = record.pop('predictions', None)
        if is_main_process():
            if predictions is not None:
                from ..store.predictions import save_predictions
                record['predictions'] = save_predictions(
                    store.predictions_path(cells[index]), predictions)
            store.save(cells[index], record)
            log_computed(store.cell_dir, cells[index].name, keys[index])
        records[index] = dict(record, cached=False)
    barrier()
