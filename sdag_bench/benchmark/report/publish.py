"""One run's tables, written privately and published file by file, so concurrent runs never mix.

``tools/benchmark.py`` writes every table, plot and report of a run into a private folder of the
work dir (``.tmp-<host>-<pid>-<hex>.outputs/``, removed by a later run if its writer died),
prints the leaderboard from there (its own records, never a file another run may have just
written), then moves each file into the work dir with an atomic rename. Runs sharing a work dir
therefore each print their own table, and every table in the work dir is whole and from one run
(the last to finish); each names the cells it holds (:func:`selection_caption`).
"""
import os
import os.path as osp
import shutil
from typing import List, Sequence

from ..cells import CellSpec
from ...utils.atomic_files import temp_name

#: Files a run may reuse from the work dir (the qualitative grid and its key).
REUSED_OUTPUTS = ('qualitative_grid.png', 'qualitative_grid.png.key')


class RunOutputs:
    """A private folder for one run's outputs inside the work dir.

    Args:
        work_dir (str): The run's result folder.
        reuse (Sequence[str]): Names of files of the work dir copied in first (outputs the run
            may keep when still current). Defaults to :data:`REUSED_OUTPUTS`.
    """

    def __init__(self, work_dir: str, reuse: Sequence[str] = REUSED_OUTPUTS) -> None:
        self.work_dir = work_dir
        self.folder = osp.join(work_dir, temp_name('.outputs'))
        os.makedirs(self.folder)
        for name in reuse:
            if osp.isfile(osp.join(work_dir, name)):
                shutil.copy2(osp.join(work_dir, name), osp.join(self.folder, name))

    def publish(self, paths: Sequence[str]) -> List[str]:
        """Move every file of the private folder into the work dir (one atomic rename each).

        Args:
            paths (Sequence[str]): Paths in the private folder to report.

        Returns:
            list[str]: Their published paths, in the same order.
        """
        for name in sorted(os.listdir(self.folder)):
            os.replace(osp.join(self.folder, name), osp.join(self.work_dir, name))
        self.discard()
        return [osp.join(self.work_dir, osp.relpath(p, self.folder))
                if osp.abspath(p).startswith(osp.abspath(self.folder) + os.sep) else p
                for p in paths]

    def discard(self) -> None:
        """Remove the private folder (after publishing, or when the run failed)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _names(values: Sequence[str]) -> str:
    unique = list(dict.fromkeys(values))
    return ', '.join(unique)


def selection_caption(cells: Sequence[CellSpec]) -> str:
    """The line that says which cells a run's tables hold (runs sharing a work dir may hold
    others): enhancers, datasets and detectors (``name@<sha256[:8]>`` for other weights).

    Args:
        cells (Sequence[CellSpec]): The run's cells.

    Returns:
        str: One line.
    """
    return (f'Cells of this run ({len(cells)}): enhancers '
            f'{_names([c.enhancer.name for c in cells])}; datasets '
            f'{_names([c.dataset.name for c in cells])}; detectors '
            f'{_names([c.detector.name for c in cells])}.')
