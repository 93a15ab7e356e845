"""PostgreSQL for the tests: one throwaway server per session, one database per test.

The server is deploy.postgres's, as `make serve` starts one (run as `postgres` when we are root), here in a
temporary folder, in memory where it can be, without durability.
"""

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from deploy.postgres import LocalPostgres
from deploy.postgres import find_bin_dir as _find_bin_dir

TEMPLATE = "vitrine_template"
# Durability is worthless for a database that lives as long as the test run.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def find_bin_dir() -> Path:
    """The bin folder of the newest Debian PostgreSQL server installed."""
    found = _find_bin_dir()
    if found is None:
        pytest.fail("no PostgreSQL server in /usr/lib/postgresql/*/bin: run `make test`, which installs it")
    return found


def _memory_dir() -> str | None:
    # On disk, copying the template takes 0.35 s a test (the writes reach the disk even
    # with fsync off); in memory 0.01 s. None: the usual temporary folder.
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


class PostgresServer(LocalPostgres):
    """A private server in a temporary folder, over TCP on a free port; `stop` deletes the folder."""

    def __init__(self, bin_dir: Path):
        super().__init__(Path(tempfile.mkdtemp(prefix="vitrine-pg-", dir=_memory_dir())), bin_dir, SETTINGS)

    def stop(self) -> None:
        """Stop the server if it runs and delete its folder."""
        try:
            super().stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


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
