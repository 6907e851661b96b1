"""Choose the checkpoint ``tools/train.py --resume`` continues from, wherever a kill landed.

mmengine resumes from the file named in ``<work_dir>/last_checkpoint``. A run killed while that
file is being rewritten leaves it empty, and one killed while ``torch.save`` writes leaves a
truncated ``iter_N.pth``; mmengine then fails with a bare error. Here the candidates are the
file ``last_checkpoint`` names, then every ``iter_*.pth`` / ``epoch_*.pth`` of the work dir,
newest first; the first that opens with ``torch.load(..., weights_only=True)`` is resumed, and
damaged ones are reported as skipped. A checkpoint refused because it would run code when
unpickled stops the search: it is an error, never silently passed over.
"""
import glob
import os.path as osp
import re
from typing import List, Optional, Tuple

from sdag_bench.utils.checkpoint import CheckpointError, load_checkpoint_file

_NUMBERED = re.compile(r'(?:iter|epoch)_(\d+)\.pth$')


def checkpoint_candidates(work_dir: str) -> List[str]:
    """Checkpoints of ``work_dir`` to resume from, in order of preference.

    Args:
        work_dir (str): The training work dir.

    Returns:
        list[str]: The file ``last_checkpoint`` names (if any), then numbered checkpoints,
        highest number first.
    """
    candidates = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named:
            candidates.append(named)
    numbered = [(int(m.group(1)), path) for path in glob.glob(osp.join(work_dir, '*.pth'))
                if (m := _NUMBERED.search(osp.basename(path)))]
    for _, path in sorted(numbered, reverse=True):
        if not any(osp.abspath(path) == osp.abspath(c) for c in candidates):
            candidates.append(path)
    return candidates


def find_resume_checkpoint(work_dir: str) -> Tuple[Optional[str], List[str]]:
    """The newest checkpoint of ``work_dir`` that loads safely.

    Args:
        work_dir (str): The training work dir.

    Returns:
        tuple[str | None, list[str]]: The checkpoint (None if there is none), and one line per
        damaged checkpoint skipped on the way.

    Raises:
        CheckpointError: When a candidate would run code (or hold objects other than tensors
            and plain containers) if unpickled.
    """
    skipped = []
    for path in checkpoint_candidates(work_dir):
        try:
            load_checkpoint_file(path)
        except CheckpointError as err:
            if 'refusing' in str(err):
                raise
            skipped.append(str(err))
            continue
        return path, skipped
    return None, skipped
