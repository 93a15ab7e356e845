"""Fixtures: a real database per test (SQLite file, or PostgreSQL when VITRINE_TEST_DB=postgresql)."""

import os
import shutil
import sqlite3

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from archive.reference import load_reference_data
from archive.services import create_item
from core.auth import create_user
from core.db import db

pytest_plugins = ["tests.pg_server", "tests.exhibitions.fixtures"]

TEST_DB = os.environ.get("VITRINE_TEST_DB", "sqlite")
PASSWORD = "correct horse battery"


def _migrate_and_seed(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated, seeded SQLite file; each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    app = create_app({"DATA_DIR": str(folder), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"})
    _migrate_and_seed(app)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh database holding the migrated schema and the reference data."""
    if TEST_DB == "postgresql":
        factory = request.getfixturevalue("pg_database_factory")
        return factory()
    template = request.getfixturevalue("sqlite_template")
    target = tmp_path / "vitrine.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app_config(tmp_path, database_url):
    """The overrides every test app gets; tests may add to it before `app` is built."""
    return {
        "TESTING": True,
        "DATA_DIR": str(tmp_path / "data"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://vitrine.test",
        # Index tasks applied right after commit, in the committing thread: deterministic.
        "SEARCH_APPLY": "inline",
        # Media jobs (previews, text) likewise run right after the upload's commit.
        "MEDIA_JOBS": "inline",
        # The test body is the only writer outside requests; IMMEDIATE there would make it
        # hold the write lock while the test client's request waits for it.
        "SQLITE_BEGIN_OUTSIDE_REQUESTS": "DEFERRED",
        # Cheap Argon2id parameters: the tests create many users.
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }


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
