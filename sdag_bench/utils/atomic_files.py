"""Files of the results store: strict JSON, atomic writes with the user's umask, writer ids.

Every file the store writes goes to a temporary name that carries the writer's host and pid
(``.tmp-<host>-<pid>-<random><suffix>``), is flushed and renamed into place. A later run removes
only temporaries whose writer is dead (same host, pid gone), never those of a live run.
"""
import errno
import json
import math
import os
import os.path as osp
import re
import secrets
import socket
from typing import Any, Callable, List, Optional, Tuple

TMP_PREFIX = '.tmp-'
_TMP_NAME = re.compile(r'^\.tmp-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{8}')
#: errnos that mean "this folder cannot take the file" (reported naming the folder).
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StoreError(OSError):
    """A results-store file could not be written; the message names the folder and why."""


def host_name() -> str:
    """This machine's host name, safe inside a file name."""
    return re.sub(r'[^A-Za-z0-9_.]', '_', socket.gethostname()) or 'host'


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host.

    Args:
        pid (int): Process id.

    Returns:
        bool: False only when the process is known to be gone.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def json_safe(value: Any, path: str = '', nonfinite: Optional[List[str]] = None) -> Any:
    """A copy of ``value`` that strict JSON readers accept: NaN and +-Inf become None.

    Args:
        value: Nested dicts, lists, tuples and scalars (numpy / torch scalars are converted).
        path (str): Where ``value`` sits (for the list of replaced entries).
        nonfinite (list[str], optional): Receives the path of every replaced value.

    Returns:
        The cleaned value.
    """
    if isinstance(value, dict):
        return {k: json_safe(v, f'{path}/{k}' if path else str(k), nonfinite)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, f'{path}[{i}]', nonfinite) for i, v in enumerate(value)]
    if hasattr(value, 'item') and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, float) and not math.isfinite(value):
        if nonfinite is not None:
            nonfinite.append(path)
        return None
    return value


def dumps_strict(obj: Any) -> str:
    """Strict JSON text (``allow_nan=False``) of an already :func:`json_safe` object."""
    return json.dumps(obj, indent=1, sort_keys=True, allow_nan=False)


def temp_name(suffix: str) -> str:
    """A temporary file name owned by this process (host and pid in the name)."""
    return f'{TMP_PREFIX}{host_name()}-{os.getpid()}-{secrets.token_hex(4)}{suffix}'


def tmp_writer(name: str) -> Optional[Tuple[str, int]]:
    """(host, pid) of the process that made a temporary file, or None for a foreign name."""
    match = _TMP_NAME.match(name)
    return (match['host'], int(match['pid'])) if match else None


def is_dead_writers_temp(name: str) -> bool:
    """Whether a ``.tmp-*`` file can be removed: its writer is a dead process on this host.

    Names without a writer (older versions of the store) count as dead; temporaries of other
    hosts are left alone.
    """
    if not name.startswith(TMP_PREFIX):
        return False
    writer = tmp_writer(name)
    if writer is None:
        return True
    host, pid = writer
    return host == host_name() and not pid_alive(pid)


def write_atomic(path: str, write: Callable[[Any], None], binary: bool = False) -> str:
    """Write a file atomically: a temporary file of this process, fsync, rename.

    The file is created with mode 0666 minus the user's umask (like ``open``), not 0600.
    A full disk or quota raises :class:`StoreError` naming the folder; no partial file is
    left behind.

    Args:
        path (str): Destination.
        write (callable): Called with the open file object.
        binary (bool): Open in binary mode. Defaults to False.

    Returns:
        str: ``path``.
    """
    folder = osp.dirname(path) or '.'
    tmp = osp.join(folder, temp_name(osp.splitext(path)[1]))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, 'wb' if binary else 'w') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        if isinstance(err, StoreError):
            raise
        if err.errno in _NO_SPACE:
            raise StoreError(err.errno, f'no space left in {folder} while writing '
                             f'{osp.basename(path)} ({os.strerror(err.errno)}); free space or '
                             'pass another --work-dir') from None
        raise StoreError(err.errno, f'cannot write {path}: {err.strerror or err}') from None
    finally:
        if osp.lexists(tmp):
            try:
                os.remove(tmp)
            except OSError:
                pass
    return path


def check_writable(folder: str) -> None:
    """Create ``folder`` and write, then remove, a probe file in it.

    Args:
        folder (str): The folder results will be written to.

    Raises:
        StoreError: Naming the folder and the reason (read-only, permissions, full disk).
    """
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise StoreError(err.errno, f'cannot create the result folder {folder}: '
                         f'{err.strerror or err}') from None
    probe = osp.join(folder, temp_name('.probe'))
    write_atomic(probe, lambda f: f.write('ok\n'))
    os.remove(probe)
