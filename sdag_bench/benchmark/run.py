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

from .cells import CellSpec, ResultStore, run_settings
from .claims import CellClaims, log_computed
from .data_inputs import DataInputs
from .evaluate import evaluate_cells, shares_enhancement
from .precomputed import folder_digest, precomputed_folder
from .store_files import host_name


def _from_main(value: Any) -> Any:
    """The main process's ``value`` on every rank (all ranks take the same branch)."""
    box = [value]
    broadcast_object_list(box)
    return box[0]


def cell_keys(cells: List[CellSpec], store: ResultStore, extra_metrics=None, cost_cfg=None,
              seed: int = 0, batch_size: Optional[int] = None) -> List[Dict[str, Any]]:
    """Key and inputs of each cell (computed on the main process, shared with all ranks).

    Args:
        cells (list[CellSpec]): The cells.
        store (ResultStore): Holds the file-hash cache (``<root>/.cache``).
        extra_metrics, cost_cfg, seed, batch_size: The run settings (see ``run_settings``).

    Returns:
        list[dict]: ``key`` and ``inputs`` (settings and data digests) per cell.
    """
    out = None
    if is_main_process():
        settings = run_settings(extra_metrics, cost_cfg, seed, batch_size)
        data = DataInputs(osp.join(store.root, '.cache', 'file_hashes.json'))
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


def run_cells(cells: List[CellSpec], store: ResultStore, device: str = 'cpu',
              force: bool = False, batch_size: Optional[int] = None,
              extra_metrics: Optional[List[dict]] = None, cost_cfg: Optional[dict] = None,
              seed: int = 0,
              progress: bool = True,
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
        device (str): Device for enhancers and detectors. Defaults to 'cpu'.
        force (bool): Recompute finished cells. Defaults to False.
        batch_size (int, optional): Overrides the dataset configs' batch size.
        extra_metrics (list[dict], optional): Extra metric configs for every cell.
        cost_cfg (dict, optional): Enhancer cost measurement settings; None skips it.
        seed (int): Data-loader seed. Defaults to 0.
        progress (bool): Show progress bars. Defaults to True.
        poll_s (float): Seconds between checks of a cell claimed by another run.

    Returns:
        list[dict]: The records of all cells, in the order given; each has ``cached``.
    """
    main = is_main_process()
    if main:
        store.clean_temporaries()
    records: List[Optional[Dict[str, Any]]] = [None] * len(cells)
    keyed = cell_keys(cells, store, extra_metrics, cost_cfg, seed, batch_size)
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
               disable=not (progress and main) or not todo)
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
                    _compute(cells, mine, keys, keyed, store, records, device, batch_size,
                             extra_metrics, cost_cfg, seed, progress)
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


def _compute(cells, indices, keys, keyed, store, records, device, batch_size, extra_metrics,
             cost_cfg, seed, progress) -> None:
    """Evaluate one group of cells in one pass, store and log each."""
    results = evaluate_cells([cells[i] for i in indices], device=device,
                             batch_size=batch_size, extra_metrics=extra_metrics,
                             cost_cfg=cost_cfg, seed=seed, progress=progress)
    for index, record in zip(indices, results):
        record.update(key=keys[index], inputs=keyed[index]['inputs'],
                      computed_by=dict(host=host_name(), pid=os.getpid()),
                      created=datetime.datetime.now().isoformat(timespec='seconds'))
        predictions = record.pop('predictions', None)
        if is_main_process():
            if predictions is not None:
                from .predictions import save_predictions
                record['predictions'] = save_predictions(
                    store.predictions_path(cells[index]), predictions)
            store.save(cells[index], record)
            log_computed(store.cell_dir, cells[index].name, keys[index])
        records[index] = dict(record, cached=False)
    barrier()
