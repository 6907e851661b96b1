"""The seed study's cells: each trained row re-evaluated with the checkpoints of every seed.

An enhancer config may list ``seed_checkpoints`` (one trained checkpoint per training seed; the
row's own ``checkpoint`` is one of them). :func:`plan_seed_cells` turns each into a cell named
``<row>_s<i>`` (:func:`seed_row_name`); :func:`seed_of` reads the seed back from such a name.
"""
import copy
import os.path as osp
from typing import List, Sequence, Tuple

from sdag_bench.utils.paths import resolve_project_path
from ..cells import CellSpec, load_config


def seed_row_name(row: str, seed: int) -> str:
    """The name of a row's seed cell, ``<row>_s<seed>`` (a seed-0 cell whose checkpoint is the
    row's own keeps the row's name: :func:`plan_seed_cells`)."""
    return f'{row}_s{seed}'


def seed_of(name: str, row: str) -> int:
    """Seed of a seed cell's enhancer name: ``row`` is seed 0, ``row_s<i>`` seed i.

    Args:
        name (str): An enhancer (row) name.
        row (str): The trained row.

    Returns:
        int: The seed, or -1 when ``name`` is not one of ``row``'s seed cells.
    """
    if name == row:
        return 0
    suffix = name[len(row):]
    return int(suffix[2:]) if name.startswith(row) and suffix.startswith('_s') and \
        suffix[2:].isdigit() else -1


def plan_seed_cells(cells: Sequence[CellSpec]) -> Tuple[List[CellSpec], List[str]]:
    """The per-seed cells of every planned cell whose enhancer config has ``seed_checkpoints``.

    When the row's own checkpoint is the first seed's, that cell keeps the row's name (so the
    leaderboard cell is reused); the others are named ``<row>_s<i>``.

    Args:
        cells (Sequence[CellSpec]): Planned leaderboard cells.

    Returns:
        tuple[list[CellSpec], list[str]]: The cells, and notes on missing seed checkpoints.
    """
    seed_cells, notes = [], []
    for cell in cells:
        checkpoints = load_config(cell.enhancer.config).get('seed_checkpoints')
        if not checkpoints:
            continue
        for index, checkpoint in enumerate(checkpoints):
            path = resolve_project_path(checkpoint)
            if not osp.isfile(path):
                notes.append(f'{cell.enhancer.name}: seed checkpoint {path} not found (the '
                             f'header of {cell.enhancer.config} says what trains it)')
                continue
            if index == 0 and path == cell.enhancer.checkpoint:
                seed_cells.append(cell)
                continue
            enhancer = copy.copy(cell.enhancer)
            enhancer.name = seed_row_name(cell.enhancer.name, index)
            enhancer.checkpoint = path
            enhancer.base = seed_row_name(cell.enhancer.base, index) if cell.enhancer.base else None
            seed_cells.append(CellSpec(enhancer, cell.dataset, cell.detector))
    return seed_cells, notes
