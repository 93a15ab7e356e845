"""An index folder's generations: the folder is a symlink to one of its siblings, `<name>-<time>-<host>-<pid>`,
so a rebuild swaps a whole new one in at once. A process that died while building one (a crash, a
kill during `search reindex`) leaves it behind; `abandoned` finds those of this machine only."""

import os
import shutil
import time
from abc import ABC, abstractmethod
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


class GenerationalIndex(ABC):
    """What an engine keeping its index in generation folders shares: `path` is the link to the
    live one. A subclass sets `path` and makes an empty index with `_create_empty(folder)`."""

    path: Path

    @abstractmethod
    def _create_empty(self, folder: Path) -> None:
        """Make an empty index, with its snippet store, in a new generation folder."""

    def ensure(self) -> None:
        """Create an empty index if there is none yet."""
        if self.path.is_dir() and not self.path.is_symlink():
            # A plain folder: a copy of the data folder that followed the link. It becomes a
            # generation, so a rebuild can swap it out like any other.
            adopted = self.path.parent / generation_name(self.path, "adopted")
            try:
                os.rename(self.path, adopted)
            except FileNotFoundError:  # another process adopted it first
                return
            self._swap_to(adopted)
            return
        if self.path.exists():
            return
        folder = self._new_generation()
        self._create_empty(folder)
        self._link_first(folder)

    def _link_first(self, folder: Path) -> None:
        link_first(self.path, folder)

    def _new_generation(self) -> Path:
        folder = self.path.parent / generation_name(self.path)
        folder.mkdir(parents=True)
        return folder

    def _own(self, folder: Path) -> bool:
        # A generation of this index is a sibling of its link. A copied data folder may carry a
        # link elsewhere (an absolute one into the live folder): never read, write or delete there.
        parent = Path(os.path.realpath(self.path.parent))
        return folder.parent == parent and folder.name.startswith(f"{self.path.name}-")

    def _swap_to(self, folder: Path) -> Path | None:
        """Point `path` at `folder` with one atomic rename; returns the folder it replaced, if it is ours."""
        old = Path(os.path.realpath(self.path)) if self.path.is_symlink() else None
        link = self.path.parent / f".{self.path.name}.{os.getpid()}.link"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(folder.name)
        os.replace(link, self.path)
        return old if old and self._own(old) else None

    def discard(self, folder: Path | None) -> None:
        """Remove a replaced index folder (readers that still have it open keep working)."""
        if folder and self._own(Path(folder)) and folder != Path(os.path.realpath(self.path)):
            shutil.rmtree(folder, ignore_errors=True)
