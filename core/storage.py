"""Files by SHA-256 under the data dir: atomic save, open, verify. Originals are never rewritten."""

import errno
import hashlib
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from core.errors import StorageFull
from core.i18n import _
from core.machine import process_name, sweep_dead

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024
INCOMING = ".incoming-"
# A write that finds no room: the disk is full, or the user's quota is.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@contextmanager
def refusing_a_full_disk():
    """Turn a full disk met while writing an upload into StorageFull (507), said in the reader's language; the
    writer's own clean-up (its `finally`) has already removed what it wrote."""
    try:
        yield
    except OSError as error:
        if error.errno not in DISK_FULL:
            raise
        log.error("no room left to store an upload: %s", error)
        raise StorageFull(_("The server has no room left to store files: nothing of this upload was kept. Try "
                            "again later, or tell an administrator."), field="files") from None  # fmt: skip


class Storage:
    """A content-addressed folder: `ab/cd/abcdef…` holds the file whose SHA-256 is abcdef…."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Where the file with this digest lives (it may not exist)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def save(self, stream: BinaryIO) -> tuple[str, int, bool]:
        """Store a stream; returns (sha256, size, created). An existing file is left as it is."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        # Named by this process, so that a crash's leftover is recognised and removed (clean_incoming).
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=INCOMING, suffix=f"-{process_name()}")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha = digest.hexdigest()
            target = self.path_for(sha)
            if target.exists():
                return sha, size, False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, 0o444)
            # link() fails if another writer got there first, so an original is never replaced.
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                return sha, size, False
            _fsync_dir(target.parent)
            return sha, size, True
        finally:
            os.unlink(tmp_name)

    def clean_incoming(self) -> list[str]:
        """Remove the half-written files of saves this machine's dead processes left (a SIGKILL mid-save)."""
        return sweep_dead(self.root, INCOMING)

    def save_bytes(self, data: bytes) -> tuple[str, int, bool]:
        """Store bytes held in memory."""
        import io

        return self.save(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored file for reading."""
        return open(self.path_for(sha256), "rb")

    def exists(self, sha256: str) -> bool:
        """True when the file is present."""
        return self.path_for(sha256).is_file()

    def verify(self, sha256: str) -> bool:
        """Re-read a file and check its digest still matches its name."""
        digest = hashlib.sha256()
        try:
            with self.open(sha256) as fh:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def get_storage() -> Storage:
    """The storage of the current app."""
    return current_app.extensions["vitrine.storage"]


def init_app(app) -> None:
    """Create the app's storage under its data dir."""
    app.extensions["vitrine.storage"] = Storage(app.config["STORAGE_DIR"])
