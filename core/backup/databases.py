"""The two databases a snapshot holds: SQLite through its backup API, PostgreSQL through pg_dump and pg_restore.

Each takes a snapshot while the site writes, and hands `read` a connection that sees exactly what the
snapshot holds (its migration, its counts, the files its rows name); each says whether a target is empty
and loads a snapshot into it. Restoring one engine's snapshot into the other is not offered.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool

from core.backup.folder import BackupError
from core.search import DATABASE_SCHEMA as SEARCH_SCHEMA
from core.uow import unit


def database_of(app):
    """The database of the app, as something that can be snapshotted and restored."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise BackupError("an in-memory SQLite database cannot be backed up or restored")
        return SqliteDatabase(Path(url.database).absolute())
    if backend == "postgresql":
        return PostgresDatabase(url, app.config.get("PG_BIN_DIR"))
    raise BackupError(f"backup and restore know SQLite and PostgreSQL, not {backend}")


def table_counts(conn: Connection) -> dict[str, int]:
    """The number of rows of every table."""
    return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in sorted(inspect(conn).get_table_names())}  # fmt: skip


def migration_of(conn: Connection) -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return ",".join(sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())) or None


class SqliteDatabase:
    """A SQLite file; its snapshot is one file too."""

    engine = "sqlite"
    file_name = "vitrine.sqlite3"

    def __init__(self, path: Path):
        self.path = path

    def describe(self) -> str:
        return str(self.path)

    def size(self) -> int:
        """Bytes the snapshot may take: the file and its write-ahead log."""
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def snapshot(self, target: Path, read):
        """Copy the database to `target` in one read transaction; returns `read(connection to the copy)`."""
        if not self.path.is_file():
            raise BackupError(f"there is no database at {self.path}")
        source = sqlite3.connect(self.path, timeout=30)
        copy = sqlite3.connect(target)
        try:
            # One step (pages=-1): a single read transaction, so the copy is one committed state while
            # writers go on in WAL mode; in several steps a write would restart it, perhaps for ever.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
            source.close()
        return _read_file(target, read)

    def is_empty(self) -> bool:
        """No file, or one without tables."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return True
        return not _read_file(self.path, lambda conn: inspect(conn).get_table_names())

    def load(self, staged: Path) -> None:
        """Put a verified copy of the snapshot's file in place of the (empty) database."""
        for stale in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm"), Path(f"{self.path}-journal")):
            stale.unlink(missing_ok=True)
        os.chmod(staged, 0o644)
        os.replace(staged, self.path)


def _read_file(path: Path, read):
    # A file of our own making, not the app's database: a connection of its own, only read.
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return read(conn)
    finally:
        engine.dispose()


class PostgresDatabase:
    """A PostgreSQL database; its snapshot is a pg_dump archive in the custom format."""

    engine = "postgresql"
    file_name = "vitrine.dump"

    def __init__(self, url: URL, bin_dir: str | None = None):
        self.url = url
        self.bin_dir = bin_dir

    def describe(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def size(self) -> int:
        """Bytes the database takes on the server: more than its compressed dump."""
        with unit("backup.size", write=False) as session:
            return session.scalar(text("SELECT pg_database_size(current_database())"))

    def snapshot(self, target: Path, read):
        """pg_dump of one transaction's snapshot, exported to it; returns `read` of that same snapshot."""
        with unit("backup.snapshot", write=False) as session:
            conn = session.connection()
            # The first statement of the transaction: every later one, and pg_dump's, see one state.
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            exported = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            major = _server_major(conn)
            # The PostgreSQL search engine's index is rebuilt after a restore, never copied, as a folder's is.
            self._run("pg_dump", major, "--format=custom", f"--snapshot={exported}", f"--file={target}",
                      f"--exclude-schema={SEARCH_SCHEMA}")  # fmt: skip
            return read(conn)

    def is_empty(self) -> bool:
        """No table in the database's schema."""
        with unit("restore.target", write=False) as session:
            return not inspect(session.connection()).get_table_names()

    def load(self, dump: Path) -> None:
        """pg_restore a verified dump into the (empty) database, whole or not at all."""
        with unit("restore.server", write=False) as session:
            major = _server_major(session.connection())
        self._run("pg_restore", major, "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
                  str(dump))  # fmt: skip

    def _run(self, tool: str, major: int, *args: str) -> None:
        # The password goes in the environment: a command line is visible to every user of the machine.
        dsn = self.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        env = {**os.environ, **({"PGPASSWORD": str(self.url.password)} if self.url.password else {})}
        command = [str(self.tool(tool, major)), *args, f"--dbname={dsn}"]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"{tool} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")

    def tool(self, name: str, major: int) -> Path:
        """pg_dump or pg_restore of the server's major version (Debian keeps each in /usr/lib/postgresql/N/bin),
        else the nearest newer one: an older pg_dump refuses a newer server."""
        if self.bin_dir:
            return Path(self.bin_dir) / name
        found = {}
        for path in glob.glob(f"/usr/lib/postgresql/*/bin/{name}"):
            version = Path(path).parts[-3]
            if version.isascii() and version.isdigit() and int(version) >= major:
                found[int(version)] = Path(path)
        if found:
            return found[min(found)]
        if on_path := shutil.which(name):  # another layout: its own wrapper chooses
            return Path(on_path)
        raise BackupError(f"no {name} for PostgreSQL {major} in /usr/lib/postgresql/*/bin: install the Debian "
                          f"package postgresql-client-{major}, or set VITRINE_PG_BIN_DIR")  # fmt: skip


def _server_major(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
