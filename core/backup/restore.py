"""Restoring a snapshot into an empty data folder and an empty database of the same engine.

Everything is checked before anything is kept: the snapshot's format, its migration against the code's,
the target's emptiness and room, then every file against the manifest while it is copied into staging
folders beside its place. Only then is the database loaded and the files moved in; a refusal or failure on
the way leaves the target as empty as it was. The search index is not in a snapshot: a restore step
(`register_restore_step`) rebuilds it from the restored database.
"""

import os
import shutil
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from core.backup import folder as f
from core.backup.databases import database_of, migration_of, table_counts
from core.backup.snapshot import quiet, referenced_files, restore_steps
from core.db import db
from core.storage import Storage
from core.uow import unit

STAGING = ".restoring-"
# What a data folder holds before anything was restored into it: the key the app generates when it starts.
GENERATED = frozenset({f.SECRET_KEY})


def code_migrations(app) -> ScriptDirectory:
    """The Alembic migrations this code carries."""
    return ScriptDirectory(app.extensions["migrate"].directory)


def check_migration(app, revision: str | None) -> str:
    """Refuse a snapshot made at a migration this code does not know; returns the code's latest one."""
    script = code_migrations(app)
    head = script.get_current_head()
    try:
        known = revision is not None and all(script.get_revision(r) is not None for r in revision.split(","))
    except CommandError:
        known = False
    if not known:
        raise f.BackupError(
            f"the snapshot was made at migration {revision}, which this code does not know (its latest is "
            f"{head}): it comes from a newer Vitrine; update the code, then restore"
        )
    return head


def check_target(app, database) -> None:
    """Refuse a data folder that holds anything but the app's generated key, or a database that holds tables."""
    data = Path(app.config["DATA_DIR"])
    own = set()
    if database.engine == "sqlite":  # an empty database file, checked below
        own = {database.path.name, f"{database.path.name}-wal", f"{database.path.name}-shm"}
    found = sorted(p.name for p in data.iterdir() if p.name not in GENERATED | own and not p.name.startswith(STAGING))
    for key in ("STORAGE_DIR", "DERIVATIVES_DIR", "SEARCH_INDEX_DIR"):
        folder = Path(app.config[key])
        if not f.is_within(folder, data) and folder.exists() and any(folder.iterdir()):
            found.append(str(folder))
    if found:
        raise f.BackupError(f"the data folder {data} is not empty ({', '.join(found[:5])}"
                            f"{', …' if len(found) > 5 else ''}): restore only into an empty one")  # fmt: skip
    if not database.is_empty():
        raise f.BackupError(f"the database {database.describe()} is not empty: restore only into an empty one")


class Staging:
    """Where the snapshot's files are copied and checked before they are moved into their places: a folder
    beside each place (so the move is a rename), removed if the restore stops."""

    def __init__(self, app, database):
        self.places = {f.ORIGINALS: Path(app.config["STORAGE_DIR"]), f.DERIVATIVES: Path(app.config["DERIVATIVES_DIR"])}
        self.secret_key = Path(app.config["DATA_DIR"]) / f.SECRET_KEY
        self.database = database
        self.made: list[Path] = []

    def target(self, relative: str) -> Path | None:
        """Where a file of the snapshot is staged; None for the PostgreSQL dump, read where it is."""
        top, _sep, rest = relative.partition("/")
        if top in self.places:
            return self._stage(self.places[top]) / rest
        if top == f.SECRET_KEY:
            return self._stage(self.secret_key)
        if self.database.engine == "sqlite":
            return self._stage(self.database.path)
        return None

    def _stage(self, place: Path) -> Path:
        staged = place.parent / f"{STAGING}{place.name}-{os.getpid()}"
        if staged not in self.made:
            place.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(staged, ignore_errors=True)  # a stopped restore's
            self.made.append(staged)
        return staged

    def move_into_place(self) -> None:
        """Rename each staged folder or file to its place (the database is loaded by its own means)."""
        for place in self.places.values():
            staged = place.parent / f"{STAGING}{place.name}-{os.getpid()}"
            if staged in self.made:
                if place.is_dir():
                    place.rmdir()  # empty: check_target said so
                os.rename(staged, place)
        staged = self.secret_key.parent / f"{STAGING}{self.secret_key.name}-{os.getpid()}"
        if staged in self.made:
            os.replace(staged, self.secret_key)

    def remove(self) -> None:
        """Take away whatever is still staged."""
        for staged in self.made:
            if staged.is_dir() and not staged.is_symlink():
                shutil.rmtree(staged, ignore_errors=True)
            else:
                staged.unlink(missing_ok=True)


def restore_snapshot(app, src: Path, progress=quiet) -> dict:
    """Restore the snapshot in `src` into the app's empty data folder and database; returns what was restored:
    `tables` (rows per table, equal to the snapshot's), `migration`, `upgraded_to`, `unheld` (originals the
    database names that the snapshot lacked: the live archive had lost them) and `reports` of the steps."""
    src = Path(src).absolute()
    info = f.read_snapshot(src)
    entries = f.read_manifest(src, info["manifest"]["sha256"])
    if info["database"]["file"] not in {relative for _sha, relative in entries}:
        raise f.BackupError(f"the snapshot is damaged: its database file is not in {f.MANIFEST}")
    head = check_migration(app, info.get("migration"))
    database = database_of(app)
    if info["database"]["engine"] != database.engine:
        raise f.BackupError(
            f"the snapshot holds a {info['database']['engine']} database and this site uses {database.engine}: "
            "restore into the same engine (moving between them is not offered)"
        )
    check_target(app, database)
    sizes = {relative: _size(src / relative) for _sha, relative in entries}
    f.check_space(Path(app.config["DATA_DIR"]), sum(sizes.values()), "the restored archive")
    staging = Staging(app, database)
    try:
        _copy_checked(src, entries, sizes, staging, progress)
        with progress(f"database ({database.engine})", None):
            db.engine.dispose()  # nothing of this process may hold the file being replaced
            dump = staging.target(info["database"]["file"]) or src / info["database"]["file"]
            database.load(dump)
        staging.move_into_place()
    except BaseException:
        staging.remove()
        raise
    return _after_loading(app, info, head, progress)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0  # said as missing, with every other problem, once the files are read


def _copy_checked(src: Path, entries, sizes: dict, staging: Staging, progress) -> None:
    """Copy each file to its staging place, checking its SHA-256 as it is read; refuse naming every bad file."""
    damaged = []
    with progress("checking and copying", sum(sizes.values())) as advance:
        for expected, relative in entries:
            source, target = src / relative, staging.target(relative)
            try:
                found = f.hash_file(source, advance) if target is None else f.copy_hashed(source, target, advance)[0]
            except FileNotFoundError:
                damaged.append(f"{relative} is missing")
                continue
            if found != expected:
                damaged.append(f"{relative} does not match its checksum (SHA-256 {found}, manifest {expected})")
    if damaged:
        more = f"\n  … and {len(damaged) - 20} more" if len(damaged) > 20 else ""
        raise f.BackupError("the snapshot is damaged, nothing was restored:\n  " + "\n  ".join(damaged[:20]) + more)


def _after_loading(app, info: dict, head: str, progress) -> dict:
    with unit("restore.check", write=False) as session:
        conn = session.connection()
        restored = {"tables": table_counts(conn), "migration": migration_of(conn)}
        storage = Storage(app.config["STORAGE_DIR"])
        restored["unheld"] = sorted(sha for sha, size in referenced_files(app, conn).items()
                                    if not _stored(storage, sha, size))  # fmt: skip
    if restored["tables"] != info["tables"]:
        differ = sorted(k for k in {*restored["tables"], *info["tables"]}
                        if restored["tables"].get(k) != info["tables"].get(k))  # fmt: skip
        raise f.BackupError(f"the restored database differs from the snapshot's counts in: {', '.join(differ)}")
    restored["upgraded_to"] = None
    if restored["migration"] != head:
        from flask_migrate import upgrade

        with progress(f"migrations {restored['migration']} → {head}", None):
            upgrade()
        restored["upgraded_to"] = head
    restored["reports"] = [report for step in restore_steps(app) if (report := step(info, progress))]
    return restored


def _stored(storage: Storage, sha256: str, size: int) -> bool:
    # Only present and of its size: every byte was checked against the manifest on the way in.
    path = storage.path_for(sha256)
    return path.is_file() and path.stat().st_size == size
