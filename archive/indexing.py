"""Indexing items: the search document of an item, and which items a change touches.

core.search keeps the index equal to the database. The archive tells it how an item's
document is built (the `DocumentSource` that `init_app` registers) and, in every flush that
touches an item, its text, media or tags, or the label of a term, place or body it names,
which items changed (`record_changes`, in the same transaction).
"""

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import event, select

from archive.models import (
    Body,
    Item,
    ItemProvenance,
    ItemTag,
    ItemText,
    MediaFile,
    Place,
    SourceRepository,
    Term,
    item_terms,
)
from core import search
from core.db import db

FACETS = ("type", "decade", "place", "term", "has_lang", "body", "status")
BATCH = 1000  # items read at a time to build documents


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


# --- Documents -----------------------------------------------------------------------------


def _names(labels: dict | None) -> list[str]:
    return [v for v in (labels or {}).values() if v]


@dataclass
class _Parts:
    """What an item's document is made of, read for many items at once."""

    texts: list = field(default_factory=list)  # (lang, title, description, caption, transcription), by lang
    terms: list = field(default_factory=list)  # (code, labels), by code
    tags: list = field(default_factory=list)  # labels, in order
    provenance: tuple | None = None  # (repository name, name, repository identifier, OAI identifier)


def _document(item, parts: _Parts, places: dict, bodies: dict) -> search.Document:
    """The index document of an item (a row of `items`): its texts per language, names and facets."""
    texts = {lang: "\n".join(v for v in values if v) for lang, *values in parts.texts}
    place, body = places.get(item.place_id), bodies.get(item.body_id)
    extra = [item.reference_code, item.creator, item.date_text, item.source_archive, item.fonds, *parts.tags]
    extra += _names(place[1]) if place else []
    extra += _names(body[1]) if body else []
    for code, labels in parts.terms:
        extra += [code, *_names(labels)]
    if parts.provenance is not None:  # a harvested item is found by its source's names too
        extra += list(parts.provenance)
    start = item.date_start
    document = {
        "id": str(item.id),
        "date": int(start.strftime("%Y%m%d")) if start else 0,
        "texts": texts,
        "extra": "\n".join(v for v in extra if v),
        "facets": {
            "type": [str(item.type)],
            "decade": [str(start.year // 10 * 10)] if start else [],
            "place": [place[0]] if place else [],
            "term": [code for code, _labels in parts.terms],
            "has_lang": sorted(texts),
            "body": [body[0]] if body else [],
            "status": [str(item.status)],
        },
    }
    document["digest"] = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    return document


def _read_documents(session, among) -> list[search.Document]:
    """The documents of the items whose id column satisfies `among(column)`, in id order: one query
    per table for them all.

    Plain rows on the session's connection, not ORM objects: loading items with their six
    relationships was most of the time a rebuild spent outside the index (~0.3 ms an item), and
    even rows read through the ORM cost a third of what remained. A term's labels are read once
    per batch, not once per item naming it.
    """
    connection = session.connection()
    columns = (Item.id, Item.reference_code, Item.creator, Item.date_text, Item.source_archive, Item.fonds,
               Item.date_start, Item.type, Item.status, Item.place_id, Item.body_id)  # fmt: skip
    items = connection.execute(select(*columns).where(among(Item.id)).order_by(Item.id)).all()
    if not items:
        return []
    parts = {item.id: _Parts() for item in items}
    text_columns = (ItemText.item_id, ItemText.lang, ItemText.title, ItemText.description, ItemText.caption,
                    ItemText.transcription)  # fmt: skip
    for item_id, *text in connection.execute(select(*text_columns).where(among(ItemText.item_id))
                                             .order_by(ItemText.item_id, ItemText.lang)):  # fmt: skip
        parts[item_id].texts.append(text)
    named = connection.execute(select(item_terms.c.item_id, item_terms.c.term_id)
                               .where(among(item_terms.c.item_id))).all()  # fmt: skip
    terms = _codes_and_names(connection, Term, Term.labels, {term_id for _item_id, term_id in named})
    for item_id, term_id in named:
        parts[item_id].terms.append(terms[term_id])
    for part in parts.values():
        part.terms.sort(key=lambda term: term[0])
    tags = select(ItemTag.item_id, ItemTag.label).where(among(ItemTag.item_id))
    for item_id, label in connection.execute(tags.order_by(ItemTag.item_id, ItemTag.label)):
        parts[item_id].tags.append(label)
    provenance = (select(ItemProvenance.item_id, SourceRepository.repository_name, SourceRepository.name,
                         SourceRepository.repository_identifier, ItemProvenance.oai_identifier)
                  .join(SourceRepository, SourceRepository.id == ItemProvenance.repository_id))  # fmt: skip
    for item_id, *names in connection.execute(provenance.where(among(ItemProvenance.item_id))):
        parts[item_id].provenance = tuple(names)
    places = _codes_and_names(connection, Place, Place.names, {item.place_id for item in items})
    bodies = _codes_and_names(connection, Body, Body.names, {item.body_id for item in items})
    return [_document(item, parts[item.id], places, bodies) for item in items]


def _codes_and_names(connection, model, names, ids: set) -> dict:
    ids.discard(None)
    if not ids:
        return {}
    rows = connection.execute(select(model.id, model.code, names).where(model.id.in_(ids)))
    return {row_id: (code, labels) for row_id, code, labels in rows}


def all_documents(session):
    """Every item's document, read in batches of consecutive ids (a range, not a list of ids to
    compile into each query) so memory stays flat."""
    last = 0
    while True:
        ids = session.scalars(select(Item.id).where(Item.id > last).order_by(Item.id).limit(BATCH)).all()
        if not ids:
            return
        low, high = last, ids[-1]
        yield from _read_documents(session, lambda column, low=low, high=high: (column > low) & (column <= high))
        last = high


def documents(session, ids: list[int]) -> list[search.Document]:
    """The documents of the items among `ids` that exist."""
    found = []
    for start in range(0, len(ids), BATCH):
        found += _read_documents(session, lambda column, batch=ids[start : start + BATCH]: column.in_(batch))
    return found
