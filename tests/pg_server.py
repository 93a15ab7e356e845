"""PostgreSQL for the tests: one throwaway server per session, one database per test.

A small harness rather than pytest-postgresql: that plugin runs initdb and pg_ctl as the
current user, and PostgreSQL refuses to run as root, which is who CI and `make test` are
here. Running the server as `postgres` through `runuser` is a few lines of subprocess,
and it keeps the test run free of one more dependency.
"""

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

SERVER_USER = "postgres"
TEMPLATE = "vitrine_template"
# Durability is worthless for a database that lives as long as the test run.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def find_bin_dir() -> Path:
    """The bin folder of the newest Debian PostgreSQL server installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        pytest.fail("no PostgreSQL server in /usr/lib/postgresql/*/bin: run `make test`, which installs it")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_dir() -> str | None:
    # On disk, copying the template takes 0.35 s a test (the writes reach the disk even
    # with fsync off); in memory 0.01 s. None: the usual temporary folder.
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _ensure_server_user() -> None:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:  # the Debian package creates it; a bare machine may lack it
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
                       check=True)  # fmt: skip


class PostgresServer:
    """initdb, start and stop a private server in a temporary folder, as `postgres` when root."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.version = int(bin_dir.parts[-2])  # /usr/lib/postgresql/<major>/bin
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="vitrine-pg-", dir=_memory_dir()))
        self.data_dir = self.folder / "data"
        self.log_file = self.folder / "server.log"
        self.port = 0
        self.running = False
        if self.as_root:
            _ensure_server_user()
            shutil.chown(self.folder, SERVER_USER, SERVER_USER)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        # cwd: the server user may not be allowed into the caller's working directory.
        result = subprocess.run(command, cwd=self.folder, capture_output=True, text=True)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}{result.stderr}{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-U", SERVER_USER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        settings = SETTINGS | {"unix_socket_directories": f"'{self.folder}'"}
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        for attempt in range(3):  # another process may take the free port before the server does
            self.port = _free_port()
            try:
                self._run("pg_ctl", "start", "-w", "-D", str(self.data_dir), "-l", str(self.log_file),
                          "-o", f"-p {self.port}")  # fmt: skip
                self.running = True
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        """Stop the server if it runs and delete its folder."""
        try:
            if self.running:
                self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data_dir))
                self.running = False
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, *params) -> None:
        """Run one statement on the maintenance database, outside a transaction."""
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SERVER_USER, dbname="postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(sql, params or None)

    def create_database(self, name: str, template: str = "template0") -> str:
        """A new database copied from `template` (template0: empty); returns its URL."""
        # PostgreSQL 15 copies through the WAL by default; copying the files of a template
        # this small is faster (in memory 0.012 s against 0.03 s, on disk 0.05 s against 0.26 s).
        strategy = " STRATEGY FILE_COPY" if self.version >= 15 else ""
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever still uses it (WITH (FORCE), PostgreSQL 13+)."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server():
    """A running PostgreSQL server private to this test session."""
    server = PostgresServer(find_bin_dir())
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server, tmp_path_factory):
    """Name of a database holding the migrated schema and the reference data, built once."""
    from app import create_app
    from tests.conftest import _migrate_and_seed

    url = pg_server.create_database(TEMPLATE)
    folder = tmp_path_factory.mktemp("pg-template")
    _migrate_and_seed(create_app({"DATA_DIR": str(folder), "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"}))
    return TEMPLATE


_numbers = itertools.count(1)


def unique_name() -> str:
    """A database name no other database of this session has."""
    return f"test_{next(_numbers)}"


@pytest.fixture
def pg_database_factory(pg_server, request):
    """Factory: a new database copied from the template (or `template="template0"`: empty); its URL."""
    created = []

    def create(template: str | None = None) -> str:
        name = unique_name()
        url = pg_server.create_database(name, template or request.getfixturevalue("pg_template"))
        created.append(name)
        return url

    yield create
    for name in created:
        pg_server.drop_database(name)
