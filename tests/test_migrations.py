"""The migrations build exactly the schema the models describe, and undo it cleanly."""

import importlib
import json
import pkgutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from core.db import Base, db
from tests.conftest import TEST_DB

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "archive", "exhibitions", "interop")


def import_every_module() -> None:
    """Fill Base.metadata from every module, not only those migrations/env.py names."""
    for package in PACKAGES:
        if (ROOT / package / "__init__.py").exists():
            for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
                importlib.import_module(module.name)


def schema_drift() -> list:
    """What autogenerate would still write: differences between the database and the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


@pytest.fixture
def empty_database_url(request, tmp_path):
    """A database with nothing in it, on the backend this run tests."""
    if TEST_DB == "postgresql":
        return request.getfixturevalue("pg_database_factory")(template="template0")
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def bare_app(tmp_path, empty_database_url):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})  # fmt: skip
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_builds_the_models_schema(bare_app):
    import_every_module()
    upgrade()
    assert schema_drift() == []


def test_downgrade_to_base_and_upgrade_again(bare_app):
    import_every_module()
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_drift() == []


def test_queued_search_tasks_survive_the_outbox_moving_to_core(bare_app):
    """0006 renames search_tasks.item_id to record_id: tasks queued before stay queued, same ids."""
    upgrade(revision="0005")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO search_tasks (item_id, created_at) VALUES (7, CURRENT_TIMESTAMP), "
                                "(9, CURRENT_TIMESTAMP)"))  # fmt: skip
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT id, record_id FROM search_tasks ORDER BY id")).all() == [(1, 7), (2, 9)]
    downgrade(revision="0005")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT item_id FROM search_tasks ORDER BY id")).scalars().all() == [7, 9]


def test_entries_made_before_0007_have_no_titles_of_their_own(bare_app):
    """0007 adds exhibition_entries.titles, required: rows already there get `{}`; printed codes start empty."""
    upgrade(revision="0006")
    now = "CURRENT_TIMESTAMP"
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO items (id, reference_code, type, date_approximate, status, version, created_at, updated_at) "
            f"VALUES (1, 'TEST-0001', 'photo', false, 'published', 1, {now}, {now})",
            "INSERT INTO exhibitions (id, code, mode, primary_language, languages, fallback_chain, status, "
            "is_framework, declined_sources, version, created_at, updated_at) "
            f"VALUES (1, 'CB25', 'both', 'vi', '[]', '[]', 'draft', false, '[]', 1, {now}, {now})",
            "INSERT INTO exhibition_sections (id, exhibition_id, position, texts) VALUES (1, 1, 0, '{}')",
            "INSERT INTO exhibition_entries (id, section_id, item_id, position, panel_number, captions) "
            'VALUES (1, 1, 1, 0, \'17\', \'{"fr": {"text": "Légende", "state": "draft"}}\')',
        ):
            connection.execute(text(statement))
    upgrade()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT titles, captions FROM exhibition_entries")).one()
        assert [json.loads(v) if isinstance(v, str) else v for v in row] == [
            {}, {"fr": {"text": "Légende", "state": "draft"}}]  # fmt: skip
        assert connection.execute(text("SELECT count(*) FROM printed_panel_codes")).scalar() == 0
    downgrade(revision="0006")
    assert "titles" not in {c["name"] for c in inspect(db.engine).get_columns("exhibition_entries")}
    assert "printed_panel_codes" not in inspect(db.engine).get_table_names()


def test_free_text_rights_become_statements_and_what_cannot_be_read_is_flagged(bare_app):
    """0010 reads each item's free-text rights into a statement's URI; an unreadable one becomes Copyright Not
    Evaluated, its text kept and flagged; downgrading gives the old texts back."""
    upgrade(revision="0009")
    before = {
        1: "CC BY 4.0",
        2: "© Cục Văn thư và Lưu trữ nhà nước. Sử dụng cho mục đích phi thương mại, ghi rõ nguồn.",
        3: "© TTXVN",
        4: "Phạm vi công cộng",
        5: "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
        6: "Ảnh gia đình ông Nguyễn Văn Ba, chưa hỏi ý kiến",
        7: None,
    }
    with db.engine.begin() as connection:
        for item_id, rights in before.items():
            connection.execute(
                text("INSERT INTO items (id, reference_code, type, date_approximate, status, version, rights, "
                     "created_at, updated_at) VALUES (:id, :code, 'photo', false, 'published', 1, :rights, "
                     "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"),
                {"id": item_id, "code": f"TEST-{item_id}", "rights": rights},
            )  # fmt: skip
    upgrade(revision="0010")
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, rights, rights_note, rights_flagged, updated_at FROM items "
                                       "ORDER BY id")).all()  # fmt: skip
    after = {row.id: (row.rights, row.rights_note, bool(row.rights_flagged)) for row in rows}
    rs, cc = "http://rightsstatements.org/vocab/", "http://creativecommons.org/"
    assert after == {
        1: (f"{cc}licenses/by/4.0/", None, False),
        2: (f"{rs}InC-NC/1.0/", before[2], False),
        3: (f"{rs}InC/1.0/", "© TTXVN", False),
        4: (f"{cc}publicdomain/mark/1.0/", "Phạm vi công cộng", False),
        5: (f"{cc}publicdomain/zero/1.0/", None, False),
        6: (f"{rs}CNE/1.0/", before[6], True),
        7: (f"{rs}CNE/1.0/", None, False),
    }
    assert all(not str(row.updated_at).startswith("2025-01-01") for row in rows)  # harvesters see the change
    downgrade(revision="0009")
    with db.engine.connect() as connection:
        restored = dict(connection.execute(text("SELECT id, rights FROM items ORDER BY id")).all())
    assert restored == before | {1: f"{cc}licenses/by/4.0/", 5: f"{cc}publicdomain/zero/1.0/"}
    assert "rights_note" not in {c["name"] for c in inspect(db.engine).get_columns("items")}


def test_rebuilding_a_table_on_sqlite_loses_no_row_that_points_to_it(bare_app):
    """SQLite's batch mode rebuilds a table (copy, drop, rename): with foreign keys enforced, dropping `users`
    in 0008 deleted every API token (ON DELETE CASCADE) and cleared who made each item and audit event."""
    upgrade(revision="0007")
    now = "CURRENT_TIMESTAMP"
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO users (id, email, password_hash, role, active, created_at) "
            f"VALUES (1, 'lan@vitrine.test', 'x', 'archivist', true, {now})",
            f"INSERT INTO api_tokens (id, user_id, token_hash, created_at) VALUES (1, 1, '{'a' * 64}', {now})",
            "INSERT INTO items (id, reference_code, type, date_approximate, status, version, created_at, updated_at, "
            f"created_by_id, updated_by_id) VALUES (1, 'TEST-0001', 'photo', false, 'draft', 1, {now}, {now}, 1, 1)",
            "INSERT INTO audit_events (id, occurred_at, user_id, record_type, record_id, action) "
            f"VALUES (1, {now}, 1, 'item', 1, 'create')",
        ):
            connection.execute(text(statement))
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT user_id FROM api_tokens")).scalars().all() == [1]
        assert connection.execute(text("SELECT created_by_id, updated_by_id FROM items")).one() == (1, 1)
        assert connection.execute(text("SELECT user_id FROM audit_events")).scalars().all() == [1]
        if TEST_DB == "sqlite":
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1  # enforced again afterwards
