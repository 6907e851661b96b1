"""Temporarily change torch's CPU intra-op thread count."""
from contextlib import contextmanager
from typing import Iterator, Optional

import torch


@contextmanager
def torch_threads(num_threads: Optional[int]) -> Iterator[None]:
    """Run the block with ``num_threads`` intra-op threads, then restore the previous setting.

    Args:
        num_threads (int, optional): Threads to use; None leaves torch's setting alone.
    """
    previous = torch.get_num_threads()
    if num_threads is not None and num_threads != previous:
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
