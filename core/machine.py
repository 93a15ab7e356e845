"""This machine and process: the name scratch folders, index generations and leases carry, and
whether the process a name was made by is still running (only ever asked of this machine's)."""

import os
import shutil
import socket
from pathlib import Path


def process_name() -> str:
    """`<host>-<pid>` of this process."""
    return f"{socket.gethostname()}-{os.getpid()}"


def process_alive(pid: int) -> bool:
    """Whether a process of this machine with this id runs (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def left_by_a_dead_process(name: str) -> bool:
    """Whether `name` ends with the `<host>-<pid>` of a process of this machine that no longer runs.

    Another machine's names are never matched: its processes cannot be asked."""
    rest, _dash, pid = name.rpartition("-")
    host = socket.gethostname()
    if not (pid.isascii() and pid.isdigit()) or (rest != host and not rest.endswith(f"-{host}")):
        return False
    return int(pid) != os.getpid() and not process_alive(int(pid))


def sweep_dead(folder: Path, prefix: str = "") -> list[str]:
    """Remove what this machine's dead processes left in `folder` (names starting with `prefix` and ending with
    their `<host>-<pid>`): scratch of a crash or a SIGKILL. Returns the names removed."""
    removed = []
    for path in folder.iterdir() if folder.is_dir() else ():
        if not (path.name.startswith(prefix) and left_by_a_dead_process(path.name)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed
