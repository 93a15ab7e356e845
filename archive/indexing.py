"""Indexing items: the search document of an item, and which items a change touches.

core.search keeps the index equal to the database. The archive tells it how an item's
document is built (the `DocumentSource` that `init_app` registers) and, in every flush that
touches an item, its text, media or tags, or the label of a term, place or body it names,
which items changed (`record_changes`, in the same transaction).
"""

import hashlib
import json

from sqlalchemy import event, select
from sqlalchemy.orm import selectinload

from archive.models import Body, Item, ItemProvenance, ItemTag, ItemText, MediaFile, Place, Term, item_terms
from core import search
from core.db import db

FACETS = ("type", "decade", "place", "term", "has_lang", "body", "status")
BATCH = 200  # items read at a time to build documents


def init_app(app) -> None:
    """Index items, and queue their index entries on every change."""
    search.init_app(app, search.DocumentSource(FACETS, documents, all_documents))
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _record_changes):
        event.listen(session_class, "after_flush", _record_changes)


# --- What changed --------------------------------------------------------------------------


def _changed_item_ids(session) -> set[int]:
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Item):
            ids.add(obj.id)
        elif isinstance(obj, ItemText | ItemTag | MediaFile | ItemProvenance):
            ids.add(obj.item_id or (obj.item.id if obj.item else None))
    ids.discard(None)
    return ids | _items_named_by(session)


def _items_named_by(session) -> set[int]:
    """Items whose documents hold the label of a renamed term, place or body."""
    renamed = {Term: set(), Place: set(), Body: set()}
    for obj in session.dirty:
        if type(obj) in renamed and session.is_modified(obj):
            renamed[type(obj)].add(obj.id)
    return items_naming(session, renamed)


def items_naming(session, renamed: dict) -> set[int]:
    """Ids of the items that name one of these terms, places or bodies (`{Term: ids, Place: ids, Body: ids}`),
    read on the session's own connection: safe inside a flush."""
    queries = []
    if renamed[Term]:
        queries.append(select(item_terms.c.item_id).where(item_terms.c.term_id.in_(renamed[Term])))
    if renamed[Place]:
        queries.append(select(Item.id).where(Item.place_id.in_(renamed[Place])))
    if renamed[Body]:
        queries.append(select(Item.id).where(Item.body_id.in_(renamed[Body])))
    connection = session.connection()
    return {item_id for query in queries for item_id in connection.scalars(query)}


def _record_changes(session, _flush_context) -> None:
    search.record_changes(session, _changed_item_ids(session))


def _load_items(session, ids) -> list[Item]:
    query = select(Item).where(Item.id.in_(ids)).options(
        selectinload(Item.texts), selectinload(Item.terms).selectinload(Term.scheme), selectinload(Item.tags),
        selectinload(Item.place), selectinload(Item.body),
        selectinload(Item.provenance).selectinload(ItemProvenance.repository),
    )  # fmt: skip
    return list(session.scalars(query))


# --- Documents -----------------------------------------------------------------------------


def _names(labels: dict | None) -> list[str]:
    return [v for v in (labels or {}).values() if v]


def item_document(item: Item) -> search.Document:
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
    if item.provenance is not None:  # a harvested item is found by its source's names too
        source = item.provenance.repository
        extra += [source.repository_name, source.name, source.repository_identifier, item.provenance.oai_identifier]
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


def documents(session, ids: list[int]) -> list[search.Document]:
    """The documents of the items among `ids` that exist."""
    return [item_document(item) for item in _load_items(session, ids)]
