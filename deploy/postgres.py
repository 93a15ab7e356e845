"""A PostgreSQL server of our own in one folder: for `make serve` on a machine without DATABASE_URL (kept in
the data folder, durable) and for the tests (a throwaway one, see tests/pg_server.py).

Debian's server binaries, run through `runuser` as `postgres` when we are root: PostgreSQL refuses to run as
root, and root is who CI, `make test` and a fresh machine's `make serve` are. A few lines of subprocess keep
both free of one more dependency (pytest-postgresql runs initdb as the current user).
"""

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg

SERVER_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The bin folder of the newest Debian PostgreSQL server installed, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    """A TCP port of the loopback address nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_server_user() -> None:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:  # the Debian package creates it; a bare machine may lack it
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
                       check=True)  # fmt: skip


def database_url(database: str, port: int, socket_folder: Path | None = None) -> str:
    """SQLAlchemy URL of a database of a server of ours: on 127.0.0.1, or through its socket in `socket_folder`."""
    if socket_folder is None:
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{port}/{database}"
    return f"postgresql+psycopg://{SERVER_USER}@/{database}?host={quote(str(socket_folder), safe='/')}&port={port}"


class LocalPostgres:
    """initdb, start and stop a server whose files, log and socket are all in `folder`.

    `settings` go into postgresql.conf when the cluster is made. With `tcp` it also listens on 127.0.0.1;
    without, only on its socket in `folder`, which no other user can open (mode 0700): the server trusts
    whoever connects, so on a shared machine TCP would let any local user in.
    """

    def __init__(self, folder: Path, bin_dir: Path, settings: dict | None = None, tcp: bool = True):
        self.folder = Path(folder)
        self.bin_dir = bin_dir
        self.version = int(bin_dir.parts[-2])  # /usr/lib/postgresql/<major>/bin
        self.settings = settings or {}
        self.tcp = tcp
        self.as_root = os.geteuid() == 0
        self.data_dir = self.folder / "data"
        self.log_file = self.folder / "server.log"
        self.port = 0
        self.running = False

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        # cwd: the server user may not be allowed into the caller's working directory. A session of its own:
        # the Ctrl-C meant for whoever started it must not stop the server before its clients.
        result = subprocess.run(command, cwd=self.folder, capture_output=True, text=True, start_new_session=True)
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-4000:] if self.log_file.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}{result.stderr}{log}")

    @property
    def initialised(self) -> bool:
        """True once the cluster's files exist (made now or by an earlier run)."""
        return (self.data_dir / "PG_VERSION").exists()

    def initialise(self) -> None:
        """Make the folder and the cluster in it, unless they exist."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        if self.as_root:
            _ensure_server_user()
            shutil.chown(self.folder, SERVER_USER, SERVER_USER)
            self._check_reachable()
        if self.initialised:
            return
        self._run("initdb", "-D", str(self.data_dir), "-U", SERVER_USER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in self.settings.items())

    def _check_reachable(self) -> None:
        reachable = subprocess.run(["runuser", "-u", SERVER_USER, "--", "test", "-w", str(self.folder)],
                                   capture_output=True)  # fmt: skip
        if reachable.returncode != 0:
            raise RuntimeError(f"the {SERVER_USER} user cannot write in {self.folder}: a folder above it is closed "
                               "to other users. Put the data folder elsewhere (VITRINE_DATA_DIR) or give a "
                               "database (DATABASE_URL).")  # fmt: skip

    def start(self, port: int | None = None) -> None:
        """Start the server on `port`, else on a free one (its socket is named by it even without TCP)."""
        self.initialise()
        for attempt in range(3):  # another process may take the free port before the server does
            self.port = port or free_port()
            options = [f"-p {self.port}", f"-c unix_socket_directories={shlex.quote(str(self.folder))}",
                       f"-c listen_addresses={shlex.quote('127.0.0.1' if self.tcp else '')}"]  # fmt: skip
            try:
                self._run("pg_ctl", "start", "-w", "-D", str(self.data_dir), "-l", str(self.log_file),
                          "-o", " ".join(options))  # fmt: skip
                self.running = True
                return
            except RuntimeError:
                if attempt == 2 or port:
                    raise

    def adopt_running(self) -> bool:
        """Take over a server already running on this cluster (one a killed run left); False if none runs."""
        if not self.initialised:
            return False
        try:
            self._run("pg_ctl", "status", "-D", str(self.data_dir))
        except RuntimeError:  # exit 3: not running (a stale postmaster.pid is pg_ctl start's to clear)
            return False
        # postmaster.pid's fourth line is the port (and so the socket's name).
        self.port = int((self.data_dir / "postmaster.pid").read_text().splitlines()[3])
        self.running = True
        return True

    def stop(self) -> None:
        """Stop the server if we started it: fast shutdown, clients disconnected, nothing lost."""
        if self.running:
            self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data_dir))
            self.running = False

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this server (over TCP if it listens there, else its socket)."""
        return database_url(database, self.port, None if self.tcp else self.folder)

    def execute(self, sql: str, *params) -> list[tuple]:
        """Run one statement on the maintenance database, outside a transaction; its rows, if any."""
        host = "127.0.0.1" if self.tcp else str(self.folder)
        with psycopg.connect(host=host, port=self.port, user=SERVER_USER, dbname="postgres",
                             autocommit=True) as conn:  # fmt: skip
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str, template: str = "template0") -> str:
        """A new database copied from `template` (template0: empty); returns its URL."""
        # PostgreSQL 15 copies through the WAL by default; copying the files of a template
        # this small is faster (in memory 0.012 s against 0.03 s, on disk 0.05 s against 0.26 s).
        strategy = " STRATEGY FILE_COPY" if self.version >= 15 else ""
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        return self.url(name)

    def ensure_database(self, name: str) -> str:
        """The URL of database `name`, created empty if missing."""
        if not self.execute("SELECT 1 FROM pg_database WHERE datname = %s", name):
            self.create_database(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever still uses it (WITH (FORCE), PostgreSQL 13+)."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
