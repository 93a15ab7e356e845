"""Units of work: the one place where database transactions begin, commit and roll back.

- The request unit. Every web request and API call is one unit on Flask-SQLAlchemy's session
  (`db.session`): committed when the view returns a response under 400, rolled back when it
  raises or answers an error. Views and services never commit.
- `attempt()`: a savepoint inside the request unit, for a change a page may refuse and report
  (a form shown again with its errors) without keeping any of it.
- `unit(name)`: a short unit of its own, on a session of its own, committed when the block
  ends. For a record that must be kept whatever the request's outcome (a failed sign-in, a
  scan count), and for long work, which opens one per step it must keep even if a later step
  fails (a batch of imported rows, a job's lease, its outcome).
- `reads_first`, `begin_writing()` and `read_afresh()`: a view that does slow work before it
  writes (staging and probing an upload) reads without the write lock, then takes it, or writes
  in a unit of its own and reads the outcome afresh.
- `after_commit(session, effect)`: effects (index updates, cache purges, rebuilds) run once
  the unit commits, never when it rolls back; `collected_effects()` gathers them across the
  many small units of a long job and runs each once at its end.

On SQLite, the begin mode of every transaction is decided here (`begin_mode`): writers take
the write lock at BEGIN (IMMEDIATE), readers do not (DEFERRED), so two read-then-write
transactions never both read and then one lose its write. PostgreSQL needs none of it.
"""

import contextvars
import functools
import logging
from collections.abc import Callable
from contextlib import contextmanager

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import scoped_session

from core.db import db

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_EFFECTS = "vitrine.after_commit"
_READS_FIRST = "vitrine_reads_first"
# Effects held back by collected_effects(): key → effect, in the order first queued.
_collecting: contextvars.ContextVar[dict | None] = contextvars.ContextVar("vitrine_collected_effects", default=None)


# --- The request unit ----------------------------------------------------------------------


def run_request(dispatch: Callable):
    """Run a view as the request's unit: commit if it answers under 400, roll back otherwise."""
    try:
        response = current_app.make_response(dispatch())
    except BaseException:
        db.session.rollback()
        raise
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def rollback_request() -> None:
    """Give up the request's unit now, so an error page can still read (the error handlers call it)."""
    db.session.rollback()


@contextmanager
def attempt(session=None):
    """A savepoint in the current unit: if the block raises, what it changed is undone and the error
    goes on to the caller, who may show it; what the unit did before is kept."""
    with (session or db.session).begin_nested():
        yield


def reads_first(view):
    """Decorator for a view that does slow work before it writes: its request reads without taking
    the write lock until the view calls begin_writing() (or writes only through units of its own)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        g.setdefault(_READS_FIRST, True)
        return view(*args, **kwargs)

    return wrapped


def begin_writing() -> None:
    """End the request's reading (it wrote nothing) and take the write lock at the next access.

    What was read is read again: loaded records are expired, not detached.
    """
    read_afresh()
    g.pop(_READS_FIRST, None)


def read_afresh() -> None:
    """End the request's reading (it wrote nothing), so that what it reads next sees what units of
    its own committed meanwhile; loaded records are expired, not detached."""
    db.session.rollback()


# --- Units of their own --------------------------------------------------------------------


@contextmanager
def unit(name: str, write: bool = True):
    """A unit of work on a session of its own: committed when the block ends, rolled back if it raises.

    `write` takes the SQLite write lock at once (BEGIN IMMEDIATE); do slow work before the block.
    Records loaded here belong to this session: pass ids to other units, not records; after the
    block they are detached, readable as they were at commit.
    """
    session = db.session.session_factory()
    # What the unit loaded stays readable once it closed (detached as it was at commit): units
    # hand their outcome back to the caller.
    session.expire_on_commit = False
    session.info["vitrine.unit"] = name
    try:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE" if write else "DEFERRED"})
        yield session
        session.commit()
    except BaseException as error:
        session.rollback()
        log.debug("unit of work %r rolled back: %r", name, error)  # a refusal is often expected: the caller reports
        raise
    finally:
        session.close()


# --- After commit --------------------------------------------------------------------------


def after_commit(session, effect: Callable[[], object], key: str | None = None) -> None:
    """Run `effect()` once `session`'s transaction commits; it is dropped if the transaction rolls back.

    Effects queued with the same `key` in one transaction run once. An effect must read what it
    needs from the database, since a savepoint it was queued in may have been rolled back.
    """
    if isinstance(session, scoped_session):  # db.session: the request's own session behind it
        session = session()
    effects = session.info.setdefault(_EFFECTS, {})
    # The savepoint it was queued in, if any: a rollback to it drops the effect, a release keeps it.
    effects.setdefault(key or id(effect), (effect, session.get_nested_transaction()))


@contextmanager
def collected_effects():
    """Hold back the after-commit effects of every unit committed in this block (this thread or task
    only) and run each key once when the block ends: a long job's many units pay for them once."""
    if _collecting.get() is not None:  # nested: the outer block runs them
        yield
        return
    held: dict = {}
    token = _collecting.set(held)
    try:
        yield
    finally:
        _collecting.reset(token)
        _run(held.values())


def _after_commit(session) -> None:
    # SQLAlchemy says "commit" when a savepoint is released too: the effects wait for the unit's.
    if session.in_nested_transaction():
        return
    effects = session.info.pop(_EFFECTS, None)
    if not effects:
        return
    held = _collecting.get()
    if held is not None:
        for key, (effect, _savepoint) in effects.items():
            held.setdefault(key, effect)
        return
    _run(effect for effect, _savepoint in effects.values())


def _after_rollback(session) -> None:
    effects = session.info.get(_EFFECTS)
    if not effects:
        return
    if not session.in_nested_transaction():
        session.info.pop(_EFFECTS, None)
        return
    # Rolled back to a savepoint: only what was queued inside it (or inside savepoints within) goes.
    ending = session.get_nested_transaction()
    for key, (_effect, savepoint) in list(effects.items()):
        if _within(savepoint, ending):
            del effects[key]


def _within(savepoint, ending) -> bool:
    while savepoint is not None:
        if savepoint is ending:
            return True
        savepoint = savepoint.parent
    return False


def _run(effects) -> None:
    for effect in list(effects):
        try:
            effect()
        except Exception:  # a commit that succeeded stays a success; the effect's own log says why
            log.exception("an after-commit effect failed")


# --- Begin modes ---------------------------------------------------------------------------


def begin_mode(conn, outside_requests: str) -> str:
    """How an SQLite transaction begins: a unit's own choice, else by the request's method, else the
    configured mode for CLI commands and workers (IMMEDIATE: they read, then write)."""
    asked = conn.get_execution_options().get("sqlite_begin")
    if asked:
        return asked
    if has_request_context():
        if request.method in SAFE_METHODS or g.get(_READS_FIRST):
            return "DEFERRED"
        return "IMMEDIATE"
    return outside_requests


def init_app(app) -> None:
    """Run every view as a request unit, pick SQLite begin modes here, and run effects after commit."""
    original = app.dispatch_request

    @functools.wraps(original)
    def dispatch_request():
        return run_request(original)

    app.dispatch_request = dispatch_request
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_commit", _after_commit):
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_rollback", _after_rollback)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        outside = app.config["SQLITE_BEGIN_OUTSIDE_REQUESTS"]
        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql(f"BEGIN {begin_mode(conn, outside)}")
