"""Units of work (core.uow): what commits, what rolls back, what runs after commit, who holds the lock."""

import secrets
import threading

import pytest
from flask import Blueprint, redirect
from sqlalchemy import func, select

from core.db import db, utcnow
from core.errors import ValidationError
from core.throttle import LoginCounter
from core.uow import after_commit, attempt, begin_writing, collected_effects, reads_first, unit
from tests.conftest import TEST_DB

sqlite_only = pytest.mark.skipif(TEST_DB != "sqlite", reason="SQLite's single write lock")


def failures(marker: str) -> int:
    """Rows this test wrote, read in a unit of its own (the test's session may hold an old snapshot)."""
    with unit("count", write=False) as session:
        return session.scalar(select(func.count(LoginCounter.id)).where(LoginCounter.kind == marker))


def note(session, marker: str) -> None:
    session.add(LoginCounter(kind=marker, key=secrets.token_hex(8), window_start=utcnow(), attempts=7))
    session.flush()


@pytest.fixture
def routes(app):
    """Views that write a row and answer in various ways, added to the app under test."""
    bp = Blueprint("uow_test", __name__)

    @bp.post("/t/answer/<int:status>")
    def answer(status):
        note(db.session, f"answer-{status}")
        return "", status

    @bp.post("/t/raise")
    def raising():
        note(db.session, "raise")
        raise ValidationError("refused")

    @bp.post("/t/attempt")
    def attempting():
        note(db.session, "kept")
        try:
            with attempt():
                note(db.session, "refused")
                raise ValidationError("refused")
        except ValidationError:
            pass
        return redirect("/")

    @bp.post("/t/effect")
    def effect():
        note(db.session, "effect")
        after_commit(db.session, lambda: ran.append("once"), key="k")
        after_commit(db.session, lambda: ran.append("twice"), key="k")
        return "", 200 if not routes_state["fail"] else 409

    ran, routes_state = [], {"fail": False}
    app.register_blueprint(bp)
    return {"ran": ran, "state": routes_state}


def test_a_request_commits_when_it_answers_under_400(client, routes):
    assert client.post("/t/answer/201").status_code == 201
    assert client.post("/t/answer/302").status_code == 302
    assert failures("answer-201") == 1 and failures("answer-302") == 1


def test_a_request_that_answers_an_error_or_raises_keeps_nothing(client, routes):
    assert client.post("/t/answer/422").status_code == 422
    assert client.post("/t/answer/500").status_code == 500
    assert client.post("/t/raise").status_code == 422
    assert failures("answer-422") == failures("answer-500") == failures("raise") == 0


def test_an_attempt_refused_keeps_nothing_of_itself_and_all_before_it(client, routes):
    assert client.post("/t/attempt").status_code == 302
    assert failures("kept") == 1 and failures("refused") == 0


def test_after_commit_effects_run_once_per_key_and_only_after_a_commit(client, routes):
    assert client.post("/t/effect").status_code == 200
    assert routes["ran"] == ["once"]
    routes["state"]["fail"] = True
    assert client.post("/t/effect").status_code == 409
    assert routes["ran"] == ["once"] and failures("effect") == 1


def test_effects_wait_for_the_unit_and_a_refused_attempt_drops_only_its_own(app):
    ran = []

    def seen(marker):
        return lambda: ran.append((marker, failures("outer")))  # what another connection sees when it runs

    with unit("a page's work") as session:
        note(session, "outer")
        after_commit(session, seen("before"), key="before")
        with attempt(session):  # released: its effect waits for the unit's commit
            after_commit(session, seen("kept attempt"), key="kept")
        with pytest.raises(ValidationError), attempt(session):
            after_commit(session, seen("refused attempt"), key="refused")
            with attempt(session):  # released inside the refused one: goes with it
                after_commit(session, seen("inside refused"), key="inside")
            raise ValidationError("refused")
        assert ran == []
    assert ran == [("before", 1), ("kept attempt", 1)]


def test_a_unit_commits_at_the_end_and_its_records_stay_readable(app):
    with unit("note") as session:
        note(session, "unit")
        row = session.scalar(select(LoginCounter).where(LoginCounter.kind == "unit"))
    assert failures("unit") == 1 and row.attempts == 7  # detached, as it was at commit


def test_a_unit_that_raises_keeps_nothing_and_runs_no_effect(app):
    ran = []
    with pytest.raises(RuntimeError), unit("note") as session:
        note(session, "broken")
        after_commit(session, lambda: ran.append("effect"))
        raise RuntimeError("power cut")
    assert failures("broken") == 0 and ran == []


def test_collected_effects_run_each_key_once_when_the_block_ends(app):
    ran = []
    with collected_effects():
        for n in range(3):
            with unit(f"batch {n}") as session:
                note(session, "batch")
                after_commit(session, lambda: ran.append("index"), key="search.apply")
                after_commit(session, lambda n=n: ran.append(f"job {n}"), key=f"job.{n}")
        assert ran == []  # held back until the block ends
    assert ran == ["index", "job 0", "job 1", "job 2"] and failures("batch") == 3


def test_effects_collected_in_one_thread_do_not_hold_back_another_threads(app):
    ran, inside, done = [], threading.Event(), threading.Event()

    def long_job():
        with app.app_context(), collected_effects():
            inside.set()
            done.wait(10)

    worker = threading.Thread(target=long_job)
    worker.start()
    assert inside.wait(10)
    with unit("a save beside the import") as session:
        note(session, "beside")
        after_commit(session, lambda: ran.append("applied at once"))
    done.set()
    worker.join(10)
    assert ran == ["applied at once"]


@pytest.fixture
def quick_lock_app(app_config, request):
    """An app whose SQLite writers give up after 0.3 s instead of 30 s."""
    app_config["SQLITE_BUSY_TIMEOUT_MS"] = 300
    return request.getfixturevalue("app")


@sqlite_only
def test_a_reads_first_view_holds_no_write_lock_until_it_begins_writing(quick_lock_app):
    app = quick_lock_app
    bp = Blueprint("lock_test", __name__)

    def beside_then_write():
        db.session.scalar(select(func.count(LoginCounter.id)))  # the request reads
        with unit("beside") as session:  # another writer goes meanwhile
            note(session, "beside")
        begin_writing()
        note(db.session, "after")
        return "", 200

    bp.add_url_rule("/t/reads-first", "reads_first", reads_first(beside_then_write), methods=["POST"])
    bp.add_url_rule("/t/plain", "plain", beside_then_write, methods=["POST"])
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.post("/t/reads-first").status_code == 200
    assert failures("beside") == 1 and failures("after") == 1
    # Without it, a POST takes the write lock at its first read, and the other writer gives up.
    assert client.post("/t/plain").status_code == 500
    assert failures("beside") == 1
