"""Fixtures: a real database per test (SQLite file, or PostgreSQL when VITRINE_TEST_DB=postgresql).

What many tests start from is built once a session and copied for each test: the migrated
schema with the reference data (every test), and the demo as `flask demo load` leaves it
(tests that override `database_url` with `demo_database_url`).
"""

import fcntl
import json
import multiprocessing
import os
import shutil
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from archive.reference import load_reference_data
from archive.services import create_item
from core.auth import create_user
from core.db import db
from core.search import apply_pending
from tests import compiled_once

compiled_once.install()

pytest_plugins = ["tests.pg_server", "tests.exhibitions.fixtures"]

TEST_DB = os.environ.get("VITRINE_TEST_DB", "sqlite")
# Set by tests/both_databases.sh, which runs each database's suite in shards side by side ("i/n").
SHARD = tuple(int(part) for part in os.environ.get("VITRINE_TEST_SHARD", "0/1").split("/"))
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[1]


def _migrate_and_seed(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        db.session.commit()
        db.engine.dispose()


def _checkpoint(path: Path) -> None:
    # The whole database in the one file that is copied, none left in its write-ahead log.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated, seeded SQLite file; each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    app = create_app({"DATA_DIR": str(folder), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"})
    _migrate_and_seed(app)
    _checkpoint(path)
    return path


def copy_database(request, folder: Path, template=None) -> str:
    """URL of a new database copied from `template` (default: the reference one), dropped after `request`'s scope."""
    if TEST_DB == "postgresql":
        from tests.pg_server import unique_name

        server, name = request.getfixturevalue("pg_server"), unique_name()
        url = server.create_database(name, template or request.getfixturevalue("pg_template"))
        request.addfinalizer(lambda: server.drop_database(name))
        return url
    target = folder / "vitrine.sqlite3"
    shutil.copyfile(template or request.getfixturevalue("sqlite_template"), target)
    return f"sqlite:///{target}"


def data_dir(tmp_path: Path) -> Path:
    """The data folder (files, derivatives, index, publications) of the test's app."""
    return tmp_path / "data"


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh database holding the migrated schema and the reference data."""
    return copy_database(request, tmp_path)


@dataclass(frozen=True)
class Loaded:
    """A state built once a session by a CLI command: its database (to copy), data folder (to copy), outcome."""

    database: str | Path  # PostgreSQL: a template database's name; SQLite: a file
    data_dir: Path
    exit_code: int
    output: str


@pytest.fixture(scope="session")
def demo_template(request, tmp_path_factory) -> Loaded:
    """The demo loaded once a session by `flask demo load` (seconds of work) in a test app; on SQLite, once a
    run: the processes of tests/both_databases.sh share one, built by the first that needs it."""
    shared = os.environ.get("VITRINE_TEST_SHARED")
    if TEST_DB == "postgresql" or not shared:
        return _load_demo(request, tmp_path_factory.mktemp("demo"))
    folder = Path(shared) / "demo-sqlite"
    with open(Path(shared) / "demo-sqlite.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait for the first to finish, then read what it left
        outcome = folder / "outcome.json"
        if not outcome.exists():
            folder.mkdir(exist_ok=True)
            loaded = _load_demo(request, folder)
            outcome.write_text(json.dumps({"exit_code": loaded.exit_code, "output": loaded.output}))
        done = json.loads(outcome.read_text())
    return Loaded(folder / "demo.sqlite3", data_dir(folder), done["exit_code"], done["output"])


def _load_demo(request, folder: Path) -> Loaded:
    if TEST_DB == "postgresql":
        server, database = request.getfixturevalue("pg_server"), "vitrine_demo"
        url = server.create_database(database, request.getfixturevalue("pg_template"))
    else:
        database = folder / "demo.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        url = f"sqlite:///{database}"
    app = create_app(app_settings(data_dir(folder), url))
    with app.app_context():
        result = VitrineCliRunner(app).invoke(args=["demo", "load"])
        apply_pending(app)  # the index copied with the data folder is whole: no test applies the demo again
        db.session.remove()
        db.engine.dispose()  # a template database must have no connection left
    if TEST_DB != "postgresql":
        _checkpoint(database)
    output = result.output + (f"\n{result.exception!r}" if result.exception else "")
    return Loaded(database, data_dir(folder), result.exit_code, output)


def copy_demo(request, folder: Path, demo: Loaded) -> str:
    """URL of a copy of the demo database; its data folder copied to `folder`'s data folder."""
    assert demo.exit_code == 0, demo.output
    shutil.copytree(demo.data_dir, data_dir(folder))
    return copy_database(request, folder, demo.database)


@pytest.fixture
def demo_database_url(request, tmp_path, demo_template):
    """A fresh copy of the demo: a module uses it as its `database_url` to start each test from the demo."""
    return copy_demo(request, tmp_path, demo_template)


def app_settings(data_folder: Path, database_url: str) -> dict:
    """The settings of every test app, for a data folder and a database."""
    return {
        "TESTING": True,
        "DATA_DIR": str(data_folder),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://vitrine.test",
        # Index tasks applied by the next search, all at once, in the searching thread: deterministic,
        # and a test that saves ten items and searches once commits the index once, not ten times.
        "SEARCH_APPLY": "on_read",
        # Media jobs (previews, text) likewise run right after the upload's commit.
        "MEDIA_JOBS": "inline",
        # Imports from the page and the API too: the page answers with the finished report.
        "IMPORT_JOBS": "inline",
        # Harvests asked for from a page wait for the test to run them: no thread of their own.
        "HARVEST_JOBS": "worker",
        # The OAI records' outbox is only filled: tests of the repository apply it (OAI_APPLY inline there).
        "OAI_APPLY": "worker",
        # The test body is the only writer outside requests; IMMEDIATE there would make it
        # hold the write lock while the test client's request waits for it.
        "SQLITE_BEGIN_OUTSIDE_REQUESTS": "DEFERRED",
        # No page cache: a test that changes what a page shows by other means than the database (a setting, a file)
        # would see the page as it was. Its own tests turn it on (tests/core/test_page_cache.py).
        "PAGE_CACHE_BYTES": 0,
        # Cheap Argon2id parameters: the tests create many users.
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }


@pytest.fixture
def app_config(tmp_path, database_url):
    """The overrides every test app gets; tests may add to it before `app` is built."""
    return app_settings(data_dir(tmp_path), database_url)


class VitrineTestClient(FlaskClient):
    """Each request in its own app context, as in production: `g`, the locale and the
    session are not shared with the test's own app context."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = VitrineTestClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """The session of the test's app context; its database is the test's own."""
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


class VitrineCliRunner(FlaskCliRunner):
    """A command runs in units of its own, as in another process: the test's session ends its
    transaction before (what the test set up is committed) and after (it then reads afresh)."""

    def invoke(self, *args, **kwargs):
        db.session.commit()
        try:
            return super().invoke(*args, **kwargs)
        finally:
            db.session.commit()


@pytest.fixture
def runner(app):
    return VitrineCliRunner(app)


@pytest.fixture
def make_user(db_session):
    """Factory: a committed user with the given role."""
    counter = {"n": 0}

    def make(role="archivist", email=None, password=PASSWORD):
        counter["n"] += 1
        user = create_user(db_session, email or f"{role}{counter['n']}@vitrine.test", password, role)
        db_session.commit()
        return user

    return make


@pytest.fixture
def login_as(app, make_user):
    """Factory: a test client logged in as a new user of that role (and the user)."""

    def login(role="archivist"):
        user = make_user(role)
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(True)
        # The sign-in wrote its session record: the test's session reads afresh from here, as
        # another process would (on SQLite a read begun before that write could not write after it).
        db.session.commit()
        return client, user

    return login


@pytest.fixture
def make_item(db_session, make_user):
    """Factory: a committed draft item with Vietnamese texts; keyword arguments override."""
    state = {"n": 0, "user": None}

    def make(user=None, **overrides):
        state["n"] += 1
        if user is None:
            state["user"] = state["user"] or make_user("archivist")
            user = state["user"]
        data = {
            "reference_code": f"TEST-{state['n']:04d}",
            "type": "photo",
            "date": "1945-09-02",
            "place": "vn-ha-noi",
            "terms": ["ICCPR"],
            "texts": {"vi": {"title": f"Ảnh tư liệu số {state['n']}", "description": "Quyền con người"}},
        }
        data.update(overrides)
        item = create_item(db_session, user, data)
        db_session.commit()
        return item

    return make


@pytest.fixture(scope="session")
def process_context(tmp_path_factory):
    """multiprocessing for tests that run the app in processes of their own (workers, writers).

    Each process is forked from a server process that imported the app's modules once: with
    "spawn" each imported them anew, 1.5 s of CPU a process. Like spawn's, each is a fresh
    process otherwise: the server never built an app, connected or started a thread.
    """
    create_app(app_settings(tmp_path_factory.mktemp("preload"), "sqlite://"))  # imports what the factory imports
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([name for name in list(sys.modules) if _is_ours(name)])
    # Start the server now, with the session's environment, not a test's monkeypatched one.
    starter = context.Process(target=int)
    starter.start()
    starter.join()
    return context


def _is_ours(name: str) -> bool:
    top = name.partition(".")[0]
    return top != "tests" and ((ROOT / top / "__init__.py").exists() or (ROOT / f"{top}.py").exists())


# Set by `make test-all`: the tests marked one_database run on both databases there.
EVERY_DATABASE = bool(os.environ.get("VITRINE_TEST_EVERY_DATABASE"))


def runs_once(item) -> bool:
    """Whether a test's outcome cannot depend on the database: it uses none, or it checks what a browser
    shows (tests/browser/; the server code under its pages is checked on both databases by client tests),
    or it is marked one_database (pages, books and documents made from records, or input refused before any write:
    the queries and writes under them are checked on both databases by other tests)."""
    if "database_url" not in getattr(item, "fixturenames", ()) or item.nodeid.startswith("tests/browser/"):
        return True
    return not EVERY_DATABASE and item.get_closest_marker("one_database") is not None


# Hands of the run-once tests per process of each database: a PostgreSQL process's share of the database tests
# takes about a fifth longer than a SQLite one's (a server round trip per statement), and the tests that start
# from the demo all go to SQLite's (they share one demo), so SQLite's take more, but not twice as many (equal
# hands, tried, left the PostgreSQL processes 30 s behind).
ONCE_WEIGHT = {"sqlite": 3, "postgresql": 2}


def _shares_module_fixture(item) -> bool:
    """Whether the test uses a fixture built once per module (built again in each process that runs one)."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    return any(chain and chain[-1].scope == "module" for chain in definitions.values())


def _uses_demo(item) -> bool:
    """Whether the test starts from the demo: run once, it runs on SQLite, whose processes share one demo
    (a PostgreSQL process then never spends the 12-15 s of building its own)."""
    return "demo_template" in getattr(item, "fixturenames", ())


def _deal(items: list, hands: int) -> list[list]:
    """Share `items` out into `hands` lists of about equal length, the tests of a module that share a module
    fixture kept together (dealt first, whole), the others one by one to the shortest hand."""
    groups: dict[str, list] = {}
    singles = []
    for item in items:
        if _shares_module_fixture(item):
            groups.setdefault(item.nodeid.split("::")[0], []).append(item)
        else:
            singles.append([item])
    dealt: list[list] = [[] for _ in range(hands)]
    for unit in [*groups.values(), *singles]:
        min(dealt, key=len).extend(unit)
    return dealt


def pytest_collection_modifyitems(config, items):
    """In shard i of n (tests/both_databases.sh), keep the i-th of n hands dealt from the tests: every process
    collects the same tests in the same order and deals them the same way. The tests that run once are dealt
    into hands, ONCE_WEIGHT of them for each process of a database, so both databases' processes end about
    together; those that start from the demo go to SQLite's. A shard left
    with nothing keeps what it was given, so a small selection never ends in "no tests ran"."""
    if "VITRINE_TEST_SHARD" not in os.environ:
        return
    shard, shards = SHARD
    on_sqlite = [item for item in items if runs_once(item) and _uses_demo(item)]
    sqlite_hands = ONCE_WEIGHT["sqlite"] * shards
    hands = _deal([item for item in items if runs_once(item) and item not in on_sqlite],
                  sqlite_hands + ONCE_WEIGHT["postgresql"] * shards)  # fmt: skip
    if TEST_DB == "sqlite":
        once = [item for hand in hands[shard:sqlite_hands:shards] for item in hand]
        once += _deal(on_sqlite, shards)[shard]
    else:
        once = [item for hand in hands[sqlite_hands + shard :: shards] for item in hand]
    with_database = [item for item in items if not runs_once(item)]
    kept = set(once) | set(_deal(with_database, shards)[shard])
    if kept and len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = [item for item in items if item in kept]
