"""Per-cell claims: runs sharing a work dir never compute the same cell twice.

A claim is a small file ``<cells>/.claims/<cell>.claim`` created with ``O_CREAT | O_EXCL``
(atomic on local filesystems and on NFSv3+), holding the claimant's host, pid and start time.
A claim whose process is dead on this host is stale and taken over; a claim of another host is
trusted until it is released (a slurm array over a shared filesystem: every task is alive
while it works, and a task killed by the scheduler can be cleared with ``--force`` or by
deleting its ``.claim`` file, whose content names the host and pid).
"""
import json
import os
import os.path as osp
import time
from typing import Any, Dict, Optional

from ...utils.atomic_files import host_name, pid_alive, temp_name


class CellClaims:
    """Claim files of one result folder.

    Args:
        cell_dir (str): The store's ``cells`` folder.
    """

    def __init__(self, cell_dir: str) -> None:
        self.folder = osp.join(cell_dir, '.claims')

    def path(self, name: str) -> str:
        return osp.join(self.folder, f'{name}.claim')

    def read(self, name: str) -> Optional[Dict[str, Any]]:
        """The holder of a claim (``host``, ``pid``, ``start``), or None if unclaimed.

        An unreadable claim (being written right now, or damaged) reads as an empty dict.
        """
        try:
            with open(self.path(name)) as f:
                holder = json.load(f)
            return holder if isinstance(holder, dict) else {}
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}

    def is_mine(self, holder: Optional[Dict[str, Any]]) -> bool:
        return bool(holder) and holder.get('host') == host_name() and \
            holder.get('pid') == os.getpid()

    def is_stale(self, name: str, holder: Optional[Dict[str, Any]]) -> bool:
        """A claim of a dead process on this host (or unreadable for over a minute)."""
        if holder is None:
            return False
        if not holder:
            try:
                return time.time() - os.stat(self.path(name)).st_mtime > 60
            except FileNotFoundError:
                return False
        return holder.get('host') == host_name() and not pid_alive(int(holder.get('pid', -1)))

    def acquire(self, name: str) -> bool:
        """Claim a cell. Returns False if a live process holds it.

        A stale claim is moved aside under a name of this process (so that two runs taking it
        over at once cannot both succeed) and the claim is retried.
        """
        os.makedirs(self.folder, exist_ok=True)
        body = json.dumps(dict(host=host_name(), pid=os.getpid(),
                               start=time.strftime('%Y-%m-%dT%H:%M:%S'))).encode()
        for _ in range(5):
            try:
                fd = os.open(self.path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                holder = self.read(name)
                if self.is_mine(holder):
                    return True
                if not self.is_stale(name, holder):
                    return False
                aside = osp.join(self.folder, temp_name('.stale'))
                try:
                    os.rename(self.path(name), aside)
                    os.remove(aside)
                except FileNotFoundError:
                    pass  # another run took it over first; retry the claim
                continue
            with os.fdopen(fd, 'wb') as f:
                f.write(body)
            return True
        return False

    def release(self, name: str) -> None:
        """Drop this process's claim (a claim of someone else is left alone)."""
        if self.is_mine(self.read(name)):
            try:
                os.remove(self.path(name))
            except FileNotFoundError:
                pass

    def wait(self, name: str, poll_s: float = 1.0, timeout_s: Optional[float] = None) -> bool:
        """Wait until a cell is no longer claimed by a live process.

        Returns:
            bool: True when released or stale, False on timeout.
        """
        start = time.time()
        while True:
            holder = self.read(name)
            if holder is None or self.is_stale(name, holder):
                return True
            if timeout_s is not None and time.time() - start > timeout_s:
                return False
            time.sleep(poll_s)


def log_computed(cell_dir: str, name: str, key: str) -> None:
    """Append ``time host pid cell key`` to ``<cells>/computed.log`` (one line per cell)."""
    line = (f'{time.strftime("%Y-%m-%dT%H:%M:%S")} {host_name()} {os.getpid()} {name} '
            f'{key}\n').encode()
    fd = os.open(osp.join(cell_dir, 'computed.log'), os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                 0o666)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
