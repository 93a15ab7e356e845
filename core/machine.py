"""This machine and process: the name scratch folders, index generations and leases carry, and
whether the process a name was made by is still running (only ever asked of this machine's)."""

import os
import socket


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
