"""An index folder's generations: the folder is a symlink to one of its siblings, `<name>-<time>-<host>-<pid>`,
so a rebuild swaps a whole new one in at once. A process that died while building one (a crash, a
kill during `search reindex`) leaves it behind; `abandoned` finds those of this machine only."""

import os
import shutil
import time
from pathlib import Path

from core.machine import left_by_a_dead_process, process_name


def generation_name(link: Path, kind: str = "") -> str:
    """A new generation's folder name beside `link` (`kind`: "adopted" for a copied plain folder)."""
    return f"{link.name}-{kind + '-' if kind else ''}{time.time_ns()}-{process_name()}"


def link_first(link: Path, folder: Path) -> None:
    """Make `folder` the index at `link` unless another process made one meanwhile; then drop `folder`.

    Never a replace: two processes starting on a new data folder would each create an index,
    and the one replaced would lose the entries its process had written there meanwhile."""
    try:
        os.symlink(folder.name, link)
    except FileExistsError:
        shutil.rmtree(folder, ignore_errors=True)


def abandoned(link: Path) -> list[Path]:
    """The generations beside `link` that a dead process of this machine made and that are not live."""
    parent = link.parent
    if not parent.is_dir():
        return []
    live = link.resolve() if link.is_symlink() else None
    found = []
    for folder in parent.iterdir():
        if (folder.name.startswith(f"{link.name}-") and folder.is_dir() and not folder.is_symlink()
                and folder.resolve() != live and left_by_a_dead_process(folder.name)):  # fmt: skip
            found.append(folder)
    return found
