"""Run a list of cells against a result store: reuse finished cells, compute the rest."""
import datetime
from typing import Any, Dict, List, Optional

from mmengine.dist import barrier, broadcast_object_list, is_main_process
from tqdm import tqdm

from .cells import CellSpec, ResultStore
from .evaluate import evaluate_cells, shares_enhancement


def run_cells(cells: List[CellSpec], store: ResultStore, device: str = 'cpu',
              force: bool = False, batch_size: Optional[int] = None,
              extra_metrics: Optional[List[dict]] = None, cost_cfg: Optional[dict] = None,
              seed: int = 0,
              progress: bool = True) -> List[Dict[str, Any]]:
    """Evaluate every cell not already stored (or all with ``force``) and store it.

    Cells that differ only in the detector are evaluated in one pass, so each image is
    enhanced once however many detectors look at it. Every process of a distributed run
    evaluates the same cells on its shard of the data; the main process writes the results
    atomically.

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

    Returns:
        list[dict]: The records of all cells, in the order given; each has ``cached``.
    """
    if is_main_process():
        store.clean_temporaries()
    records: List[Optional[Dict[str, Any]]] = [None] * len(cells)
    keys = [cell.key() for cell in cells]
    todo: List[int] = []
    for index, (cell, key) in enumerate(zip(cells, keys)):
        record = None if force else store.load(cell, key)
        # all ranks must take the same branch: the main process decides
        decision = [record is not None]
        broadcast_object_list(decision)
        if decision[0]:
            record = record if record is not None else store.load(cell, key)
            records[index] = dict(record, cached=True)
        else:
            todo.append(index)
    # cells that see the same enhanced images (one enhancer and dataset, several detectors)
    # run as one pass: each batch is enhanced once
    groups: List[List[int]] = []
    for index in todo:
        group = next((g for g in groups if shares_enhancement(cells[g[0]], cells[index])), None)
        if group is None:
            groups.append([index])
        else:
            group.append(index)
    bar = tqdm(total=len(todo), desc='cells', unit='cell',
               disable=not (progress and is_main_process()) or not todo)
    for group in groups:
        bar.set_postfix_str(cells[group[0]].enhancer.name)
        results = evaluate_cells([cells[i] for i in group], device=device,
                                 batch_size=batch_size, extra_metrics=extra_metrics,
                                 cost_cfg=cost_cfg, seed=seed, progress=progress)
        for index, record in zip(group, results):
            record.update(key=keys[index],
                          created=datetime.datetime.now().isoformat(timespec='seconds'))
            if is_main_process():
                store.save(cells[index], record)
            records[index] = dict(record, cached=False)
        barrier()
        bar.update(len(group))
    bar.close()
    return records
