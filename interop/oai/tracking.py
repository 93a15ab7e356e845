"""Keeping each record's datestamp true: the outbox of items whose record may have changed, and its apply.

In every flush that touches what a record shows — an item, its texts, tags or files; the label of a term, a
place or a body it names; an exhibition's entries, status or takedown (set membership) — the ids of the items
concerned go into `oai_tasks` in the same transaction (a SQLAlchemy flush event, as archive.indexing does for
the search index: whichever service made the change, it is seen). Once that commits, the tasks are applied
(OAI_APPLY: `background`, a thread of the process; `inline`; `worker`, `flask oai worker` only): each item's
record is read afresh and digested; where the digest differs from the stored one (or the item stopped or
started being published) the datestamp becomes now, and the sets are stored. A change that exposes nothing new
(a workflow note, a staff-only field) moves no datestamp.

Why nothing is missed by an incremental harvest: a datestamp is taken in the unit that commits it, while the
applier holds a lease recorded (committed) beforehand in `oai_repository.applying_since`; every response's
responseDate is the earlier of now and that lease's start (interop.oai.protocol). So a harvester's next `from`
is never later than the datestamp of a record that was not yet visible when it harvested.
"""

import functools
import logging
import time
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, insert, inspect, select

from archive.indexing import items_naming
from archive.models import Body, Item, ItemTag, ItemText, MediaFile, Place, Term
from core import background
from core.db import db, utcnow
from core.uow import after_commit, unit
from exhibitions.models import Entry, Exhibition, Section
from interop.oai import datestamps
from interop.oai.identifiers import SETTINGS_ID, settings
from interop.oai.models import OaiRecord, OaiRecordSet, OaiRepository, OaiTask
from interop.oai.records import read_records

log = logging.getLogger(__name__)
APPLY_BATCH = 500
APPLY_EFFECT = "oai.apply"
# A lease older than this belongs to an applier that died: another may take it, and responseDate ignores it.
LEASE_SECONDS = 600
DELETED = "deleted"


def init_app(app) -> None:
    """Record the items a flush touches, in every session."""
    app.config.setdefault("OAI_APPLY", "background")
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _record_changes):
        event.listen(session_class, "after_flush", _record_changes)


# --- What changed --------------------------------------------------------------------------


def changed_item_ids(session) -> set[int]:
    """The items whose record the pending flush may change."""
    ids: set = set()
    renamed: dict = {Term: set(), Place: set(), Body: set()}
    exhibitions: set = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Item):
            ids.add(obj.id)
        elif isinstance(obj, ItemText | ItemTag | MediaFile):
            ids.add(obj.item_id or (obj.item.id if obj.item else None))
        elif isinstance(obj, Entry):
            ids |= _values(obj, "item_id")
        elif isinstance(obj, Exhibition) and (obj in session.deleted or _changed(obj, "status")
                                              or _changed(obj, "withdrawn_at")):  # fmt: skip
            exhibitions.add(obj.id)
        elif type(obj) in renamed and session.is_modified(obj):
            renamed[type(obj)].add(obj.id)
    ids.discard(None)
    return ids | items_naming(session, renamed) | _items_shown_in(session, exhibitions)


def _values(obj, name: str) -> set:
    """An attribute's value now and before the flush (an entry moved to another item changes both)."""
    history = inspect(obj).attrs[name].history
    return {*history.added, *history.deleted, *history.unchanged}


def _changed(obj, name: str) -> bool:
    return inspect(obj).attrs[name].history.has_changes()


def _items_shown_in(session, exhibition_ids: set) -> set[int]:
    if not exhibition_ids:
        return set()
    query = (select(Entry.item_id).join(Section, Entry.section_id == Section.id)
             .where(Section.exhibition_id.in_(exhibition_ids)))  # fmt: skip
    return set(session.connection().scalars(query))


def _record_changes(session, _flush_context) -> None:
    record_changes(session, changed_item_ids(session))


def record_changes(session, item_ids) -> None:
    """Queue the records of `item_ids` in `session`'s transaction; applied once it commits.

    Safe in a flush event: a Core insert on the flush's own connection, no nested flush.
    """
    ids = sorted(set(item_ids))
    if not ids:
        return
    now = utcnow()
    session.connection().execute(insert(OaiTask), [{"item_id": i, "created_at": now} for i in ids])
    if has_app_context() and current_app.config.get("OAI_APPLY") in ("inline", "background"):
        after_commit(session, functools.partial(_apply_after_commit, current_app._get_current_object()),
                     key=APPLY_EFFECT)  # fmt: skip


def _apply_after_commit(app) -> None:
    if app.config.get("OAI_APPLY") == "inline":
        with app.app_context():
            apply_pending_safely(app)
    else:
        runner(app).poke()


def runner(app):
    """The process's thread that applies the outbox after the responses that queued to it."""
    return background.runner(app, "vitrine_oai_background", name="oai-outbox", drain=True,
                             work=lambda app, _should_stop: apply_pending_safely(app))  # fmt: skip


# --- Applying ------------------------------------------------------------------------------


def apply_pending_safely(app=None) -> int:
    """apply_pending that never raises: a save must not fail because of the repository's bookkeeping."""
    try:
        return apply_pending(app)
    except Exception:
        log.exception("the OAI records were not brought up to date; their tasks stay queued")
        return 0


def pending_count() -> int:
    with unit("oai.pending", write=False) as session:
        return session.scalar(select(func.count()).select_from(OaiTask))


def apply_pending(app=None, batch: int = APPLY_BATCH) -> int:
    """Apply queued tasks, a batch at a time, while this process holds the lease; returns tasks applied.

    Returns at once if another applier holds it; it looks again after releasing, so nothing is left behind.
    """
    applied = 0
    while pending_count():
        if not _take_lease():
            return applied
        try:
            with unit("oai.read tasks", write=False) as session:
                tasks = session.execute(select(OaiTask.id, OaiTask.item_id).order_by(OaiTask.id).limit(batch)).all()
            _apply(sorted({t.item_id for t in tasks}), [t.id for t in tasks])
        except BaseException:
            _release_lease()
            raise
        applied += len(tasks)
    return applied


def apply_items(item_ids) -> int:
    """Bring the records of these items up to date now, under the lease (the rebuild's step); returns how many
    records changed. Waits for another applier's lease, up to its expiry."""
    waited = 0.0
    while not _take_lease():
        time.sleep(0.2)
        waited += 0.2
        if waited > LEASE_SECONDS:
            raise TimeoutError("another process holds the OAI records' lease")
    try:
        return _apply(sorted(set(item_ids)), [])
    except BaseException:
        _release_lease()
        raise


def _apply(item_ids: list[int], task_ids: list[int]) -> int:
    """Read the items' records (no write lock held), then store what changed, forget the tasks and release the
    lease in one unit; returns the number of records whose datestamp moved."""
    with unit("oai.read records", write=False) as session:
        current = read_records(session, item_ids)
    with unit("oai.store records") as session:
        changed = _store(session, current, datestamps.now())
        for start in range(0, len(task_ids), APPLY_BATCH):
            session.execute(delete(OaiTask).where(OaiTask.id.in_(task_ids[start : start + APPLY_BATCH])))
        settings(session).applying_since = None
    return changed


def _store(session, current: dict, now) -> int:
    """Write the records whose exposed content changed, dated `now`; returns how many."""
    stored = {r.item_id: r for r in session.scalars(select(OaiRecord).where(OaiRecord.item_id.in_(list(current))))}
    changed, new_sets = [], []
    for item_id, data in current.items():
        row = stored.get(item_id)
        if data is None:
            if row is not None and not row.deleted:  # withdrawn, unpublished or gone: deleted, keeping its sets
                row.deleted, row.digest, row.datestamp = True, DELETED, now
                changed.append(item_id)
            continue
        digest = data.digest()
        if row is None:
            session.add(OaiRecord(item_id=item_id, datestamp=now, deleted=False, digest=digest))
        elif row.deleted or row.digest != digest:
            row.deleted, row.digest, row.datestamp = False, digest, now
        else:
            continue
        changed.append(item_id)
        new_sets += [{"spec": spec, "item_id": item_id} for spec in data.sets]
    live = [i for i in changed if current[i] is not None]
    if live:
        session.execute(delete(OaiRecordSet).where(OaiRecordSet.item_id.in_(live)))
    if new_sets:
        session.execute(insert(OaiRecordSet), new_sets)
    session.flush()
    return len(changed)


# --- The lease -----------------------------------------------------------------------------


def _take_lease() -> bool:
    """Record (committed) that an apply begins now, unless another applier's lease is still running."""
    with unit("oai.lease") as session:
        row = session.scalar(select(OaiRepository).where(OaiRepository.id == SETTINGS_ID).with_for_update())
        row = row or settings(session)
        now = utcnow()
        if row.applying_since is not None and datestamps.as_utc(row.applying_since) > now - timedelta(
            seconds=LEASE_SECONDS
        ):
            return False
        row.applying_since = now
        return True


def _release_lease() -> None:
    try:
        with unit("oai.release lease") as session:
            settings(session).applying_since = None
    except Exception:
        log.exception("the OAI records' lease was not released; it lapses in %s s", LEASE_SECONDS)


def running_since(session):
    """When the apply under way began (an aware UTC datetime), or None: the bound of responseDate."""
    since = session.scalar(select(OaiRepository.applying_since).where(OaiRepository.id == SETTINGS_ID))
    if since is None:
        return None
    since = datestamps.as_utc(since)
    return since if since > utcnow() - timedelta(seconds=LEASE_SECONDS) else None


# --- Rebuild -------------------------------------------------------------------------------


def rebuild(on_batch=None, batch: int = APPLY_BATCH) -> tuple[int, int]:
    """Recompute every record from the database (every item, and the records of items deleted outright);
    returns (records looked at, records whose datestamp moved). Unchanged records keep their datestamp."""
    with unit("oai.rebuild ids", write=False) as session:
        ids = sorted(set(session.scalars(select(Item.id))) | set(session.scalars(select(OaiRecord.item_id))))
    seen = changed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        changed += apply_items(chunk)
        seen += len(chunk)
        if on_batch:
            on_batch(len(chunk))
    return seen, changed
