"""Concurrent edits of one item: none is lost, and a save from an old copy is refused."""

import queue
import traceback

import pytest
from sqlalchemy.orm import Session

from archive.models import Item
from archive.services import update_item
from core.auth import User
from core.db import db
from core.errors import Conflict

WORKERS = 4
# Updates by each worker: the full form runs under `make test-all` (marker `long`), the short one in `make test`.
SIZES = [pytest.param(10, id="short"), pytest.param(50, id="full", marks=pytest.mark.long)]


def increment_creator(url: str, data_dir: str, item_id: int, user_id: int, updates: int, start, results) -> None:
    """In a process of its own: read the counter, write counter + 1, commit; retry on Conflict."""
    from app import create_app

    try:
        # The default configuration, as a CLI command or a worker has it, but for the search index: each update's
        # index commit (in a data folder of the worker's own) was most of the test's time and none of its subject.
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir, "SECRET_KEY": "test-secret",
                          "SEARCH_APPLY": "worker"})  # fmt: skip
        conflicts = 0
        with app.app_context():
            start.wait(timeout=60)
            done = 0
            while done < updates:
                item = db.session.get(Item, item_id)
                try:
                    update_item(db.session, db.session.get(User, user_id), item,
                                {"creator": str(int(item.creator) + 1)}, expected_version=item.version)  # fmt: skip
                    db.session.commit()
                    done += 1
                except Conflict:
                    db.session.rollback()
                    conflicts += 1
            db.engine.dispose()
        results.put(("ok", conflicts))
    except Exception:  # the parent fails the test with the child's traceback
        results.put(("error", traceback.format_exc()))


@pytest.mark.slow
@pytest.mark.parametrize("updates", SIZES)
def test_concurrent_read_then_write_loses_no_update(app, db_session, make_item, make_user, tmp_path, process_context,
                                                    updates):  # fmt: skip
    curator = make_user("curator")
    item = make_item(user=curator, creator="0")
    item_id, user_id, version = item.id, curator.id, item.version
    # Let go of the connection: on SQLite even a read holds the write lock (BEGIN IMMEDIATE).
    db_session.remove()
    db.engine.dispose()

    start, results = process_context.Barrier(WORKERS), process_context.Queue()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    processes = [
        process_context.Process(target=increment_creator,
                                args=(url, str(tmp_path / f"worker{n}"), item_id, user_id, updates, start, results))
        for n in range(WORKERS)
    ]  # fmt: skip
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=120) for _ in processes]
    except queue.Empty:
        outcomes = [("error", "a worker gave no answer within 120 s")]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    assert [detail for status, detail in outcomes if status == "error"] == []
    if url.startswith("sqlite"):  # BEGIN IMMEDIATE: each reads only once it holds the write lock
        assert [conflicts for _, conflicts in outcomes] == [0] * WORKERS

    stored = db_session.get(Item, item_id)
    assert stored.creator == str(WORKERS * updates)
    assert stored.version == version + WORKERS * updates


def _open_session() -> Session:
    # Objects stay loaded after commit, like the copy of an item behind an open edit form.
    return Session(db.engine, expire_on_commit=False)


@pytest.mark.parametrize("stale", ["expected_version", "loaded_copy"])
def test_second_save_from_the_same_version_conflicts(db_session, make_item, make_user, stale):
    curator = make_user("curator")
    item = make_item(user=curator, creator="original")
    item_id, user_id = item.id, curator.id
    db_session.remove()

    with _open_session() as first, _open_session() as second:
        # Each reads, then ends its transaction, as a page showing an edit form does.
        first_copy = first.get(Item, item_id)
        first.commit()
        second_copy = second.get(Item, item_id)
        second.commit()
        version = first_copy.version

        update_item(first, first.get(User, user_id), first_copy, {"creator": "first"}, expected_version=version)
        first.commit()

        if stale == "expected_version":  # the form was read before, the item is read afresh now
            second.expire_all()
            second_copy = second.get(Item, item_id)
        # else: the session still holds the old row, so only the version column can tell
        with pytest.raises(Conflict):
            update_item(second, second.get(User, user_id), second_copy, {"creator": "second"},
                        expected_version=version)  # fmt: skip
        second.rollback()

    stored = db_session.get(Item, item_id)
    assert (stored.creator, stored.version) == ("first", version + 1)
