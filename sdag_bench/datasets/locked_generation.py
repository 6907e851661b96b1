"""Generate a data folder once, however many processes ask for it at the same time.

:func:`generation_lock` is an exclusive lock (``fcntl.flock`` on a lock file next to the
folder): the first process generates, the others wait and then find the folder ready. The
operating system releases the lock when its holder dies, so a killed run never leaves a stale
lock behind. The lock file records who holds it (host, pid, start time) for the waiting message.

:func:`sigterm_as_exit` turns SIGTERM into ``SystemExit`` while generating, so the ``finally``
clauses that remove temporary folders run when a job scheduler stops the process.
"""
import fcntl
import os
import signal
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union


def _holder() -> str:
    return (f'pid {os.getpid()} on {socket.gethostname()} since '
            f'{time.strftime("%Y-%m-%d %H:%M:%S")}')


@contextmanager
def generation_lock(lock_path: Union[str, Path], what: str, progress: bool = True) -> Iterator:
    """Hold an exclusive lock on ``lock_path`` (created if needed) for the ``with`` body.

    Args:
        lock_path (str | Path): The lock file.
        what (str): What is being generated, for the waiting message.
        progress (bool): Print a line when another process holds the lock. Defaults to True.

    Yields:
        None: While the lock is held.
    """
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if progress:
                holder = os.pread(fd, 200, 0).decode(errors='replace').strip() or 'another run'
                print(f'[sdag_bench] waiting for {holder} to finish generating {what} ...',
                      flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as err:  # ENOLCK / EOPNOTSUPP: a filesystem without locks
            print(f'[sdag_bench] warning: cannot lock {lock_path} ({err.strerror}); generating '
                  f'{what} unlocked: do not start a second run before it is ready', flush=True)
            yield
            return
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder().encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race)


def _raise_exit(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def sigterm_as_exit() -> Iterator:
    """Within the ``with`` body, SIGTERM raises ``SystemExit(143)`` so cleanup code runs.

    Outside the main thread (where handlers cannot be set) this does nothing.

    Yields:
        None: While the handler is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
