"""Turn an mmengine training checkpoint into a plain, safely loadable state dict.

A training checkpoint holds optimizer state and the message hub; the project publishes plain
``{'state_dict': {name: tensor}, 'meta': {...}}`` files instead. ``tools/train.py`` writes its
checkpoints so that ``torch.load(..., weights_only=True)`` opens them
(``WeightsOnlyCheckpointHook``), and this tool opens them that way too: a file that would run code
when unpickled is refused (exit 2, one line naming it), whoever wrote it.

Example:
    python tools/export_state_dict.py work_dirs/demo_retinanet/epoch_24.pth \
        checkpoints/demo_retinanet.pth
"""
import argparse
import os
import sys

import torch

from sdag_bench.utils.atomic_files import write_atomic
from sdag_bench.utils.checkpoint import CheckpointError, load_checkpoint_file
from sdag_bench.utils.file_hashes import sha256_file


def export(src: str, dst: str, half: bool = False) -> str:
    """Export the model weights of a training checkpoint (opened with ``weights_only=True``).

    Args:
        src (str): Checkpoint written by mmengine's ``CheckpointHook``.
        dst (str): Output path.
        half (bool): Store floating tensors as float16 to halve the size. Defaults to False.

    Returns:
        str: sha256 of the written file.
    """
    ckpt = load_checkpoint_file(src)
    state = ckpt.get('state_dict', ckpt)
    state = {k: (v.half() if half and v.is_floating_point() else v).clone()
             for k, v in state.items()}
    meta = {k: v for k, v in ckpt.get('meta', {}).items()
            if k in ('epoch', 'iter', 'seed', 'experiment_name')}
    meta = {k: (int(v) if isinstance(v, (int, float)) and k != 'experiment_name' else str(v))
            for k, v in meta.items()}
    record = ckpt.get('meta', {}).get('frozen_enhancer')
    if isinstance(record, dict):  # the enhancer a detector was trained behind: plain strings
        meta['frozen_enhancer'] = {str(k): str(v) for k, v in record.items()}
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    write_atomic(dst, lambda f: torch.save({'state_dict': state, 'meta': meta}, f), binary=True)
    return sha256_file(dst)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='training checkpoint written by tools/train.py')
    parser.add_argument('dst', help='output plain state dict')
    parser.add_argument('--half', action='store_true', help='store float tensors as fp16')
    args = parser.parse_args(argv)
    try:
        digest = export(args.src, args.dst, args.half)
    except CheckpointError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'wrote {args.dst} (sha256 {digest[:16]})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
