"""Keeping the index equal to the database: the outbox, its apply, rebuild and check.

A domain says what changed (`record_changes`, in the transaction that changes it: one
`search_tasks` row per record) and how its documents are built (the `DocumentSource` given
to `init_app`). Once that transaction commits, the tasks are applied by whoever gets the
index's single writer lock at once; a process that does not get it leaves them to the
holder, which looks again after releasing the lock, or to `flask search worker`. Who
applies is SEARCH_APPLY: `background` (a thread of each process, after the response),
`inline` (right after commit), `worker` (only the worker command) or `on_read` (by the next
search of the process, all the tasks since the last one at once: for a single process that
saves often and searches seldom, as the test suite does).
"""

import functools
import logging
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import DateTime, Integer, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import background
from core.db import Base, utcnow
from core.search.engine import SearchEngine, check_engine_name, index_location, open_engine
from core.search.errors import IndexUnavailable
from core.search.generations import abandoned
from core.search.schema import Document
from core.uow import after_commit, unit

# Tasks applied per index commit. The engine writes a backlog as a rebuild does, in
# segments of its own chunk size (REBUILD_CHUNK, 5,000 for Whoosh) that no later save merges,
# so a commit costs no more per task for being big; each commit makes its tasks searchable.
APPLY_BATCH = 20_000
# Records whose documents are read at a time within a batch: memory stays flat.
READ_BATCH = 1000
# A backlog of at least this many tasks is written by several processes (try_writer(procs)).
PARALLEL_MIN = 1000
# The key of the after-commit effect: queued once per transaction, and once per long job
# under core.uow.collected_effects().
APPLY_EFFECT = "search.apply"
_SOURCE = "vitrine.search_source"
log = logging.getLogger(__name__)


class SearchTask(Base):
    """An outbox row: this record changed in the same transaction; its index entry is stale.

    No foreign key: the task of a deleted record must outlive it, to delete its entry.
    """

    __tablename__ = "search_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchTask {self.id} record {self.record_id}>"


@dataclass(frozen=True)
class DocumentSource:
    """What a domain tells the search package: its facets and how its documents are built.

    `documents(session, ids)` gives the documents of those records that still exist (the
    others are deleted from the index); `all_documents(session)` every one, for a rebuild.
    A document's id is its record id as text.
    """

    facets: tuple[str, ...]
    documents: Callable[[Session, list[int]], Iterable[Document]]
    all_documents: Callable[[Session], Iterable[Document]]


def init_app(app, source: DocumentSource) -> None:
    """Index the documents of `source` in the app's index folder."""
    app.config.setdefault("SEARCH_APPLY", "background")  # or "inline", "worker" (none in the app), "on_read"
    # A misspelt engine, or one the database cannot hold, stops the start, not each search.
    check_engine_name(app.config["SEARCH_ENGINE"], app.config["SQLALCHEMY_DATABASE_URI"])
    app.extensions[_SOURCE] = source


def _source(app) -> DocumentSource:
    return app.extensions[_SOURCE]


def search_index(app=None) -> SearchEngine:
    """This process's engine object for the app's index."""
    app = app or current_app
    return open_engine(index_location(app.config), _source(app).facets, app.config["SEARCH_ENGINE"])


def index_to_read(app=None) -> SearchEngine:
    """The engine to search: under SEARCH_APPLY=on_read, the outbox is applied first."""
    app = app or current_app
    if app.config.get("SEARCH_APPLY") == "on_read":
        apply_pending_safely(app)
    return search_index(app)


# --- Recording -----------------------------------------------------------------------------


def record_changes(session, record_ids: Iterable[int]) -> None:
    """Queue the index entries of `record_ids` in `session`'s transaction; applied once it commits.

    Safe in a flush event: a Core insert on the flush's own connection, no nested flush.
    """
    ids = sorted(set(record_ids))
    if not ids:
        return
    session.connection().execute(insert(SearchTask), [{"record_id": i} for i in ids])
    if has_app_context():  # without one, the worker or the next save applies the tasks
        after_commit(session, functools.partial(_apply_after_commit, current_app._get_current_object()),
                     key=APPLY_EFFECT)  # fmt: skip


def _apply_after_commit(app) -> None:
    mode = app.config.get("SEARCH_APPLY", "background")
    if mode == "inline":
        if has_app_context():
            apply_pending_safely(app)
        else:
            with app.app_context():
                apply_pending_safely(app)
    elif mode == "background":
        _background(app).poke()


def _background(app):
    return background.runner(app, "vitrine_search_background", name="search-outbox", drain=True,
                             work=lambda app, _should_stop: apply_pending_safely(app))  # fmt: skip


# --- Applying ------------------------------------------------------------------------------


def apply_pending_safely(app, procs: int = 1) -> int:
    """apply_pending that never raises: a save must not fail because of the index."""
    try:
        return apply_pending(app, procs=procs)
    except Exception:
        log.exception("search index update failed; the tasks stay in the outbox")
        return 0


def pending_count(app=None) -> int:
    """The number of tasks in the outbox."""
    with unit("search.pending", write=False) as session:
        return session.scalar(select(func.count()).select_from(SearchTask))


def _pending_at_least(count: int) -> bool:
    with unit("search.pending", write=False) as session:
        return session.scalar(select(SearchTask.id).order_by(SearchTask.id).offset(count - 1).limit(1)) is not None


def _has_pending() -> bool:
    with unit("search.pending", write=False) as session:
        return session.scalar(select(SearchTask.id).limit(1)) is not None


def apply_pending(app=None, batch: int = APPLY_BATCH, procs: int = 1, on_applied=None) -> int:
    """Apply outbox tasks while this process holds the writer lock; returns tasks applied.

    Returns at once if another process writes: it checks for new tasks after releasing.
    `procs` processes share the index writing of a big batch; `on_applied(n)` after each commit.
    """
    app = app or current_app
    index, source = search_index(app), _source(app)
    applied = 0
    # Looked at after the lock is released: tasks committed while this process held it, by
    # a process that then found the lock taken, are this process's to apply.
    while _has_pending():
        # Processes are started for a backlog only: a save's few tasks are written at once.
        with index.try_writer(procs=procs if _pending_at_least(PARALLEL_MIN) else 1) as writer:
            if writer is None:
                return applied
            task_ids = _apply_batch(writer, source, batch)
        _forget_tasks(task_ids)
        applied += len(task_ids)
        if on_applied:
            on_applied(len(task_ids))
    return applied


def _apply_batch(writer, source: DocumentSource, batch: int) -> list[int]:
    # Tasks first, records second: every change committed before the task was read is seen.
    with unit("search.apply", write=False) as session:
        tasks = session.execute(select(SearchTask.id, SearchTask.record_id).order_by(SearchTask.id).limit(batch)).all()
        record_ids = sorted({t.record_id for t in tasks})
        for start in range(0, len(record_ids), READ_BATCH):
            ids = record_ids[start : start + READ_BATCH]
            documents = {document["id"]: document for document in source.documents(session, ids)}
            for record_id in ids:
                document = documents.get(str(record_id))
                if document is not None:
                    writer.upsert(document)
                else:
                    writer.delete(str(record_id))
            session.expunge_all()
    return [t.id for t in tasks]


def catch_up(app=None, procs: int = 1, on_progress=None, poll_seconds: float = 0.5) -> None:
    """Return once every task queued before the call is applied, here or by whichever process holds
    the index meanwhile (the end of a long job: an import, a harvest); `on_progress(done, total)`
    after each index commit and each look while another process applies."""
    app = app or current_app
    last = last_task_id()
    total = _waiting_through(last)

    def progress(_applied: int = 0) -> None:
        if on_progress:
            on_progress(total - min(total, _waiting_through(last)), total)

    while total:
        apply_pending(app, procs=procs, on_applied=progress)
        if not _waiting_through(last):
            return
        progress()
        time.sleep(poll_seconds)


def last_task_id() -> int:
    """The id of the newest task in the outbox (0 if none): what a change queues next comes after it."""
    with unit("search.last_task", write=False) as session:
        return session.scalar(select(func.max(SearchTask.id))) or 0


def waiting_after(mark: int) -> int:
    """How many records have index updates queued after task `mark`, not yet applied."""
    with unit("search.waiting", write=False) as session:
        query = select(func.count(SearchTask.record_id.distinct())).where(SearchTask.id > mark)
        return session.scalar(query)


def _waiting_through(last: int) -> int:
    with unit("search.waiting", write=False) as session:
        return session.scalar(select(func.count()).select_from(SearchTask).where(SearchTask.id <= last))


def _forget_tasks(task_ids: list[int]) -> None:
    # By id, never "up to the largest id": a lower id may commit after a higher one.
    with unit("search.forget") as session:
        for start in range(0, len(task_ids), APPLY_BATCH):
            session.execute(delete(SearchTask).where(SearchTask.id.in_(task_ids[start : start + APPLY_BATCH])))


def clean_abandoned(app=None) -> list[str]:
    """Remove the index generations this machine's dead processes left half-built (a crash or a kill
    during a rebuild); never the live one, another machine's or a running process's. Returns their names."""
    app = app or current_app
    removed = []
    for folder in abandoned(Path(app.config["SEARCH_INDEX_DIR"])):
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    if removed:
        log.warning("removed %d search index folders left by stopped processes: %s", len(removed), ", ".join(removed))
    return removed


# --- Rebuild and check ---------------------------------------------------------------------


def reindex(app=None, procs: int = 1, on_document=None) -> int:
    """Rebuild the index from the database into a fresh one and swap it in; returns documents indexed."""
    app = app or current_app
    index, source = search_index(app), _source(app)
    index.ensure()
    count = 0

    def counted():
        nonlocal count
        count += 1
        if on_document:
            on_document()

    def rebuild():
        # Tasks committed before the rebuild reads a single record are in what it reads:
        # forgotten after the swap instead of applied again one by one.
        with unit("search.reindex.covered", write=False) as session:
            covered = list(session.scalars(select(SearchTask.id)))
        with unit("search.reindex", write=False) as session:
            return covered, index.rebuild(source.all_documents(session), procs=procs, on_document=counted,
                                          keep_old=True)  # fmt: skip

    # Hold the live index's writer lock meanwhile, so no worker applies (and forgets)
    # tasks to the index about to be replaced; they stay queued and are applied after.
    deadline = time.monotonic() + 60
    while True:
        try:
            with index.try_writer() as old_writer:
                if old_writer is not None:
                    covered, old = rebuild()
                    break
        except IndexUnavailable as error:
            # Missing, damaged or copied: no one can apply tasks to it, so there is no lock to hold.
            log.warning("%s: building a fresh index", error)
            covered, old = rebuild()
            break
        if time.monotonic() > deadline:
            raise TimeoutError("the search index stayed locked for 60 s")
        time.sleep(0.2)
    index.discard(old)
    _forget_tasks(covered)
    apply_pending_safely(app)
    return count


def check(app=None) -> list[tuple[str, str]]:
    """(record id, problem) for every record whose index entry differs from the database."""
    app = app or current_app
    indexed = index_to_read(app).digests()
    problems = []
    with unit("search.check", write=False) as session:
        for document in _source(app).all_documents(session):
            digest = indexed.pop(document["id"], None)
            if digest is None:
                problems.append((document["id"], "missing"))
            elif digest != document["digest"]:
                problems.append((document["id"], "stale"))
    problems += [(doc_id, "deleted") for doc_id in sorted(indexed, key=int)]
    return problems
