"""sha256 of the files a cell reads, cached only where file metadata cannot hide a change.

A cached digest is reused only while the file is the same file with the same metadata: it is
keyed by the file's real path (symlinks resolved, so a data root given as a link and repointed
is another set of files) and checked against its device, inode, size, mtime and ctime. ``touch``
can put an mtime back, but every write, rename, ``touch`` or ``chmod`` sets the ctime to the
current time, and nothing short of changing the system clock can set it back. A file whose
ctime is within :data:`RACY_WINDOW_S` of the hashing is not cached at all (a write in the same
clock tick would leave its ctime unchanged; git calls such entries "racily clean").
"""
import hashlib
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Tuple

from .atomic_files import write_atomic

#: Seconds: a file changed this recently before it was hashed is not cached.
RACY_WINDOW_S = 2.0

_PROCESS_CACHE: Dict[str, List] = {}


def file_signature(path: str) -> Tuple[str, List[int]]:
    """The real path of a file and what must be unchanged for a cached digest to hold.

    Args:
        path (str): File (a symlink is followed).

    Returns:
        tuple[str, list[int]]: Real path, and ``[st_dev, st_ino, st_size, st_mtime_ns,
        st_ctime_ns]``.
    """
    real = osp.realpath(path)
    stat = os.stat(real)
    return real, [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def sha256_file(path: str) -> str:
    """sha256 of a file's content, read in 1 MiB blocks (no cache: :func:`file_sha256` caches).

    Args:
        path (str): File path.

    Returns:
        str: Hex digest.
    """
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _hash_file(real: str) -> Tuple[List[int], str, bool]:
    """(signature, sha256, cacheable) of a file; the signature is taken before and after reading,
    and the digest is cacheable only when both agree and the file is not racily new."""
    started = time.time_ns()
    _, before = file_signature(real)
    digest = sha256_file(real)
    _, after = file_signature(real)
    cacheable = before == after and after[4] < started - int(RACY_WINDOW_S * 1e9)
    return after, digest, cacheable


def file_sha256(path: Optional[str]) -> Optional[str]:
    """sha256 of a file (cached in this process by real path and signature); None for no file.

    Args:
        path (str, optional): File path.

    Returns:
        str | None: Hex digest.

    Raises:
        FileNotFoundError: The file does not exist.
    """
    if not path:
        return None
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    real, signature = file_signature(path)
    entry = _PROCESS_CACHE.get(real)
    if entry is not None and entry[0] == signature:
        return entry[1]
    signature, digest, cacheable = _hash_file(real)
    if cacheable:
        _PROCESS_CACHE[real] = [signature, digest]
    return digest


class FileHashCache:
    """sha256 of files, cached on disk by real path and signature (see :func:`file_signature`).

    Entries of older versions (keyed by size and mtime only) are ignored and recomputed.

    Args:
        path (str, optional): Cache file; None keeps the cache in memory only.
    """

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path
        self.entries: Dict[str, List] = {}
        self.dirty = False
        if path and osp.isfile(path):
            try:
                with open(path) as f:
                    loaded = json.load(f)
                if isinstance(loaded, dict):
                    self.entries = loaded
            except (OSError, ValueError):
                self.entries = {}  # a damaged cache is rebuilt

    def sha256(self, path: str) -> Tuple[int, str]:
        """(size, sha256) of a file.

        Args:
            path (str): File.

        Returns:
            tuple[int, str]: Size in bytes and hex digest.
        """
        real, signature = file_signature(path)
        entry = self.entries.get(real)
        if (isinstance(entry, list) and len(entry) == 2 and entry[0] == signature
                and isinstance(entry[1], str)):
            return signature[2], entry[1]
        signature, digest, cacheable = _hash_file(real)
        if cacheable:
            self.entries[real] = [signature, digest]
            self.dirty = True
        return signature[2], digest

    def save(self) -> None:
        """Write the cache if anything was added (atomically; concurrent runs may both save)."""
        if not (self.path and self.dirty):
            return
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        write_atomic(self.path, lambda f: json.dump(self.entries, f))
        self.dirty = False
