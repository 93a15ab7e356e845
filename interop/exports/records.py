"""An item as plain data, whole: what a bag carries of it, read back by the import.

Texts per language with their state, terms with their vocabulary and labels, the place and the contributing
body with their names, dates as written and their bounds, rights, the reference code, the item's identity
(source repository and id) and its files with their checksums. The shape is versioned (`RECORD_FORMAT`).
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive import rights
from archive.models import Item, ItemStatus, MediaFile, Term
from archive.services import TEXT_FIELDS
from interop.exports.source import Identity

RECORD_FORMAT = "vitrine-item/1"
# The extension of an original in a bag, by its type (the only types the archive accepts).
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif", "application/pdf": "pdf"}


def load_items(session, item_ids: list[int]) -> list[Item]:
    """The items with these ids, in the order given, with everything a record or a Dublin Core record reads."""
    query = (
        select(Item)
        .where(Item.id.in_(item_ids))
        .options(
            selectinload(Item.texts),
            selectinload(Item.terms).selectinload(Term.scheme),
            selectinload(Item.tags),
            selectinload(Item.media),
            selectinload(Item.place),
            selectinload(Item.body),
        )  # fmt: skip
    )
    found = {item.id: item for item in session.scalars(query)}
    return [found[i] for i in item_ids if i in found]


def file_name(media: MediaFile) -> str:
    """Where an original sits in a bag's payload, by content: the same bytes on two items are carried once."""
    return f"files/{media.sha256}.{EXTENSIONS.get(media.mime_type, 'bin')}"


def rights_labels(uri: str | None) -> dict:
    """The rights statement's label per language (archive.rights)."""
    return rights.labels(uri) if uri else {}


def rights_record(item: Item) -> dict:
    """The item's rights: the statement's URI, its labels, and the archivist's note and review flag."""
    return {"uri": item.rights, "labels": rights_labels(item.rights), "note": item.rights_note,
            "flagged": item.rights_flagged}  # fmt: skip


def item_record(item: Item, identity: Identity, sha512: dict[str, str], page_url: str | None) -> dict:
    """The item whole as JSON-ready data; `sha512` maps each original's SHA-256 to its SHA-512."""
    return {
        "format": RECORD_FORMAT,
        "identity": {"repository": identity.repository, "id": identity.id},
        "url": page_url,
        "reference_code": item.reference_code,
        "type": str(item.type),
        "status": str(item.status),
        "date": {
            "text": item.date_text,
            "start": _iso(item.date_start),
            "end": _iso(item.date_end),
            "approximate": item.date_approximate,
        }
        if item.date_text
        else None,  # fmt: skip
        "place": _place(item.place),
        "body": _body(item.body),
        "creator": item.creator,
        "source_archive": item.source_archive,
        "fonds": item.fonds,
        "rights": rights_record(item),
        "texts": [
            {"lang": t.lang, **{name: getattr(t, name) for name in TEXT_FIELDS}, "state": str(t.state)}
            for t in item.texts
        ],  # fmt: skip
        "terms": [_term(term) for term in item.terms],
        "tags": [tag.label for tag in item.tags],
        "media": [_media(media, sha512[media.sha256]) for media in item.media],
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "updated_at": item.updated_at.isoformat() if item.updated_at else None,
    }


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def _place(place) -> dict | None:
    if place is None:
        return None
    return {"code": place.code, "kind": str(place.kind), "country": place.country, "names": dict(place.names or {}),
            "valid_from": _iso(place.valid_from), "valid_to": _iso(place.valid_to)}  # fmt: skip


def _body(body) -> dict | None:
    return {"code": body.code, "kind": str(body.kind), "names": dict(body.names or {})} if body else None


def _term(term: Term) -> dict:
    scheme = term.scheme
    return {"code": term.code, "labels": dict(term.labels or {}),
            "vocabulary": {"code": scheme.code, "labels": dict(scheme.labels or {})}}  # fmt: skip


def _media(media: MediaFile, sha512: str) -> dict:
    return {
        "file": file_name(media), "sha256": media.sha256, "sha512": sha512, "size": media.size,
        "mime_type": media.mime_type, "original_name": media.original_name, "width": media.width,
        "height": media.height, "pages": media.pages, "position": media.position, "text_source": media.text_source,
    }  # fmt: skip


def is_public(item: Item) -> bool:
    """True when the public may see the item."""
    return item.status == ItemStatus.PUBLISHED
