"""Turn an mmengine training checkpoint into a plain, safely loadable state dict.

mmengine's Runner checkpoints hold optimizer state, ``HistoryBuffer`` objects and numpy scalars,
which ``torch.load(..., weights_only=True)`` (the default since torch 2.6) refuses. The project
publishes plain ``{'state_dict': {name: tensor}, 'meta': {...}}`` files instead. Only run this on
checkpoints you produced yourself: opening them needs ``weights_only=False``.

Example:
    python tools/export_state_dict.py work_dirs/demo_retinanet/epoch_24.pth \
        checkpoints/demo_retinanet.pth
"""
import argparse
import hashlib
import os
import tempfile

import torch


def export(src: str, dst: str, half: bool = False) -> str:
    """Export the model weights of a trusted training checkpoint.

    Args:
        src (str): Checkpoint written by mmengine's ``CheckpointHook``.
        dst (str): Output path.
        half (bool): Store floating tensors as float16 to halve the size. Defaults to False.

    Returns:
        str: sha256 of the written file.
    """
    ckpt = torch.load(src, map_location='cpu', weights_only=False)  # trusted: our own output
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
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(dst)), suffix='.tmp')
    os.close(fd)
    torch.save({'state_dict': state, 'meta': meta}, tmp)
    os.replace(tmp, dst)
    with open(dst, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='mmengine training checkpoint (trusted)')
    parser.add_argument('dst', help='output plain state dict')
    parser.add_argument('--half', action='store_true', help='store float tensors as fp16')
    args = parser.parse_args()
    digest = export(args.src, args.dst, args.half)
    print(f'wrote {args.dst} (sha256 {digest[:16]})')


if __name__ == '__main__':
    main()
