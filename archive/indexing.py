"""Keeping the search index equal to the database: documents, the outbox, apply, rebuild, check.

Every flush that touches an item writes a `search_tasks` row in the same transaction (a
session event registered by `init_app`). After commit the tasks are applied by whoever
gets the index's single writer lock at once; a process that does not get it leaves them
for the holder, which looks again after releasing the lock, or for `search worker`.
"""

import hashlib
import json
import logging
import time

from flask import current_app
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session, selectinload

from archive.models import Body, Item, ItemTag, ItemText, MediaFile, Place, SearchTask, Term, item_terms
from core import background
from core.db import db
from core.search import get_index

FACETS = ("type", "decade", "place", "term", "has_lang", "body", "status")
BATCH = 200  # items read at a time to build documents
# Tasks applied per index commit: each commit writes a segment and may merge others, so
# after a bulk import 1,000 at a time index ~2.4× faster than 200.
APPLY_BATCH = 1000
log = logging.getLogger(__name__)


def init_app(app) -> None:
    """Record index tasks on every item change and apply them after commit."""
    app.config.setdefault("SEARCH_APPLY", "background")  # or "inline", or "worker" (none in the app)
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _record_tasks):
        event.listen(session_class, "after_flush", _record_tasks)
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_rollback", _after_rollback)


def search_index(app=None):
    """This process's index object for the app's index folder."""
    app = app or current_app
    return get_index(app.config["SEARCH_INDEX_DIR"], FACETS)


# --- The outbox ----------------------------------------------------------------------------


def _changed_item_ids(session) -> set[int]:
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Item):
            ids.add(obj.id)
        elif isinstance(obj, ItemText | ItemTag | MediaFile):
            ids.add(obj.item_id or (obj.item.id if obj.item else None))
    ids.discard(None)
    return ids | _items_named_by(session)


def _items_named_by(session) -> set[int]:
    """Items whose documents hold the label of a renamed term, place or body."""
    renamed = {Term: set(), Place: set(), Body: set()}
    for obj in session.dirty:
        if type(obj) in renamed and session.is_modified(obj):
            renamed[type(obj)].add(obj.id)
    queries = []
    if renamed[Term]:
        queries.append(select(item_terms.c.item_id).where(item_terms.c.term_id.in_(renamed[Term])))
    if renamed[Place]:
        queries.append(select(Item.id).where(Item.place_id.in_(renamed[Place])))
    if renamed[Body]:
        queries.append(select(Item.id).where(Item.body_id.in_(renamed[Body])))
    connection = session.connection()
    return {item_id for query in queries for item_id in connection.scalars(query)}


def _record_tasks(session, _flush_context) -> None:
    ids = _changed_item_ids(session)
    if ids:
        # Core insert on the flush's own connection: same transaction, no nested flush.
        session.connection().execute(insert(SearchTask), [{"item_id": i} for i in sorted(ids)])
        session.info["search_pending"] = True


def _after_rollback(session) -> None:
    session.info.pop("search_pending", None)


def _after_commit(session) -> None:
    if not session.info.pop("search_pending", False):
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # no app context: the worker or the next save applies the tasks
        return
    mode = app.config.get("SEARCH_APPLY", "background")
    if mode == "inline":
        apply_pending_safely(app)
    elif mode == "background":
        _background(app).poke()


def apply_pending_safely(app) -> int:
    """apply_pending that never raises: a save must not fail because of the index."""
    try:
        return apply_pending(app)
    except Exception:
        log.exception("search index update failed; the tasks stay in the outbox")
        return 0


def pending_count(app=None) -> int:
    with Session(db.engine) as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        return session.scalar(select(func.count()).select_from(SearchTask))


def apply_pending(app=None, batch: int = APPLY_BATCH) -> int:
    """Apply outbox tasks while this process holds the writer lock; returns items applied.

    Returns at once if another process writes: it checks for new tasks after releasing.
    """
    app = app or current_app
    index = search_index(app)
    applied = 0
    while pending_count(app):
        with index.try_writer() as writer:
            if writer is None:
                return applied
            task_ids = _apply_batch(writer, batch)
        _forget_tasks(task_ids)
        applied += len(task_ids)
    return applied


def _apply_batch(writer, batch: int) -> list[int]:
    # Tasks first, items second: every change committed before the task was read is seen.
    with Session(db.engine) as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        tasks = session.execute(select(SearchTask.id, SearchTask.item_id).order_by(SearchTask.id).limit(batch)).all()
        item_ids = sorted({t.item_id for t in tasks})
        items = {item.id: item for item in _load_items(session, item_ids)}
        for item_id in item_ids:
            if item_id in items:
                writer.upsert(item_document(items[item_id]))
            else:
                writer.delete(str(item_id))
    return [t.id for t in tasks]


def _forget_tasks(task_ids: list[int]) -> None:
    # By id, never "up to the largest id": a lower id may commit after a higher one.
    with Session(db.engine) as session, session.begin():
        for start in range(0, len(task_ids), APPLY_BATCH):
            session.execute(delete(SearchTask).where(SearchTask.id.in_(task_ids[start : start + APPLY_BATCH])))


def _load_items(session, ids) -> list[Item]:
    query = select(Item).where(Item.id.in_(ids)).options(
        selectinload(Item.texts), selectinload(Item.terms).selectinload(Term.scheme), selectinload(Item.tags),
        selectinload(Item.place), selectinload(Item.body),
    )  # fmt: skip
    return list(session.scalars(query))


def _background(app):
    return background.runner(app, "vitrine_search_background", name="search-outbox", drain=True,
                             work=lambda app, _should_stop: apply_pending_safely(app))  # fmt: skip


# --- Documents -----------------------------------------------------------------------------


def _names(labels: dict | None) -> list[str]:
    return [v for v in (labels or {}).values() if v]


def item_document(item: Item) -> dict:
    """The index document of an item: its texts per language, names and facets."""
    texts = {
        t.lang: "\n".join(v for v in (t.title, t.description, t.caption, t.transcription) if v) for t in item.texts
    }
    extra = [item.reference_code, item.creator, item.date_text, item.source_archive, item.fonds]
    extra += [tag.label for tag in item.tags]
    extra += _names(item.place.names) if item.place else []
    extra += _names(item.body.names) if item.body else []
    for term in item.terms:
        extra += [term.code, *_names(term.labels)]
    start = item.date_start
    document = {
        "id": str(item.id),
        "date": int(start.strftime("%Y%m%d")) if start else 0,
        "texts": texts,
        "extra": "\n".join(v for v in extra if v),
        "facets": {
            "type": [str(item.type)],
            "decade": [str(start.year // 10 * 10)] if start else [],
            "place": [item.place.code] if item.place else [],
            "term": [t.code for t in item.terms],
            "has_lang": sorted(texts),
            "body": [item.body.code] if item.body else [],
            "status": [str(item.status)],
        },
    }
    document["digest"] = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    return document


def all_documents(session):
    """Every item's document, read in batches so memory stays flat."""
    last = 0
    while True:
        ids = session.scalars(select(Item.id).where(Item.id > last).order_by(Item.id).limit(BATCH)).all()
        if not ids:
            return
        for item in sorted(_load_items(session, ids), key=lambda i: i.id):
            yield item_document(item)
        last = ids[-1]
        session.expunge_all()


# --- Rebuild and check ---------------------------------------------------------------------


def reindex(app=None, procs: int = 1, on_document=None) -> int:
    """Rebuild the index from the database into a fresh folder and swap it in."""
    app = app or current_app
    index = search_index(app)
    index.ensure()
    # Hold the live index's writer lock meanwhile, so no worker applies (and forgets)
    # tasks to the folder about to be replaced; they stay queued and are applied after.
    deadline = time.monotonic() + 60
    while True:
        with index.try_writer() as old_writer:
            if old_writer is not None:
                # Tasks committed before the rebuild reads a single item are in what it reads:
                # forgotten after the swap instead of applied again one by one.
                with Session(db.engine) as session:
                    session.connection(execution_options={"sqlite_begin": "DEFERRED"})
                    covered = list(session.scalars(select(SearchTask.id)))
                with Session(db.engine) as session:
                    session.connection(execution_options={"sqlite_begin": "DEFERRED"})
                    count = session.scalar(select(func.count()).select_from(Item))
                    old = index.rebuild(all_documents(session), procs=procs, on_document=on_document, keep_old=True)
                break
        if time.monotonic() > deadline:
            raise TimeoutError("the search index stayed locked for 60 s")
        time.sleep(0.2)
    index.discard(old)
    _forget_tasks(covered)
    apply_pending_safely(app)
    return count


def check(app=None) -> list[tuple[str, str]]:
    """(item id, problem) for every item whose index entry differs from the database."""
    app = app or current_app
    indexed = search_index(app).digests()
    problems = []
    with Session(db.engine) as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        for document in all_documents(session):
            digest = indexed.pop(document["id"], None)
            if digest is None:
                problems.append((document["id"], "missing"))
            elif digest != document["digest"]:
                problems.append((document["id"], "stale"))
    problems += [(doc_id, "deleted") for doc_id in sorted(indexed, key=int)]
    return problems
