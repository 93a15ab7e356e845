"""The frozen form of an exhibition's views: what an archived exhibition keeps of what the public saw.

Stored in `Exhibition.frozen` as `{"schema": 3, "frozen_at": …, "views": {lang: record}}`, each record the
ExhibitionView written out as JSON and read back into the same view. Snapshots stored before the schema
was versioned (version 1, `{"frozen_at": …, "views": …}`) have the same records without the codes printed
in each language nor the items' status: the reader takes those codes from the exhibition's QR links, as
every output did then, so no migration rewrites them. Until version 3 an entry's rights were the free text
shown then, read back as such (a Rights without URI, in Vietnamese as the pages marked it); since, a
statement's URI, name and that name's language. QR addresses are not stored: they are made from
the codes with the site's base URL when a snapshot is read.
"""

from collections.abc import Callable
from datetime import date

from exhibitions.models import QrTarget
from exhibitions.reading.view import (
    EntryView,
    ExhibitionView,
    ImageRef,
    QrCode,
    Rights,
    SectionView,
    Text,
    Venue,
    qr_code,
)

SNAPSHOT_SCHEMA = 3
PrintedCodes = Callable[[str], dict]  # lang → {(target, target id): code}, as qr.printed_codes gives them


def snapshot_of(views: dict[str, ExhibitionView], frozen_at: str) -> dict:
    """The snapshot of an exhibition's views, by language, as `Exhibition.frozen` stores it."""
    return {"schema": SNAPSHOT_SCHEMA, "frozen_at": frozen_at,
            "views": {lang: view_record(view) for lang, view in views.items()}}  # fmt: skip


def read_view(frozen: dict, lang: str, primary: str, printed: PrintedCodes) -> ExhibitionView:
    """The view in `lang` kept in a snapshot (the primary language's when `lang` has none); `printed` gives the
    codes a version 1 snapshot did not keep."""
    version = frozen.get("schema", 1)
    if version not in (1, 2, SNAPSHOT_SCHEMA):
        raise ValueError(f"unknown exhibition snapshot schema {version!r}")
    views = frozen.get("views", {})
    record = views.get(lang) or views[primary]
    return view_from_record(record, printed(record["lang"]) if version == 1 else None)


# --- Writing --------------------------------------------------------------------------------


def _code(qr: QrCode | None) -> str | None:
    return qr.code if qr else None


def _text(text: Text) -> dict:
    return {"text": text.text, "lang": text.lang, "fallback": text.fallback, "state": text.state}


def _image_record(image: ImageRef | None) -> dict | None:
    return (
        {"media_id": image.media_id, "sha256": image.sha256, "width": image.width, "height": image.height}
        if image
        else None
    )


def _rights_record(rights: Rights | None) -> dict | None:
    if rights is None:
        return None
    return {"uri": rights.uri, "label": rights.label, "lang": rights.lang, "is_licence": rights.is_licence}


def _entry(entry: EntryView) -> dict:
    return {
        "id": entry.id,
        "item_id": entry.item_id,
        "item_published": entry.item_published,
        "item_status": entry.item_status,
        "panel_number": entry.panel_number,
        "panel_code": entry.panel_code,
        "reference_code": entry.reference_code,
        "type": entry.type,
        "date": entry.date,
        "place": entry.place,
        "credit": entry.credit,
        "rights": _rights_record(entry.rights),
        "title": _text(entry.title),
        "caption": _text(entry.caption),
        "description": _text(entry.description),
        "image": _image_record(entry.image),
        "qr_code": _code(entry.qr),
        "printed_qr_code": _code(entry.printed_qr),
        # Only a placeholder says so: a snapshot never holds one (it keeps the item, the takedown is applied when
        # it is shown), and every other record, a book's digest among them, stays as it was.
        **({"withdrawn": True} if entry.withdrawn else {}),
    }


def view_record(view: ExhibitionView) -> dict:
    """The view as plain JSON data: the record a snapshot keeps, and what a book's content version digests."""
    venue = view.venue
    return {
        "id": view.id,
        "code": view.code,
        "lang": view.lang,
        "chain": list(view.chain),
        "status": view.status,
        "mode": view.mode,
        "is_framework": view.is_framework,
        "opens_on": view.opens_on.isoformat() if view.opens_on else None,
        "closes_on": view.closes_on.isoformat() if view.closes_on else None,
        "primary_language": view.primary_language,
        "languages": list(view.languages),
        "venue": {"code": venue.code, "name": venue.name, "kind": venue.kind} if venue else None,
        "title": _text(view.title),
        "introduction": _text(view.introduction),
        "qr_code": _code(view.qr),
        "printed_qr_code": _code(view.printed_qr),
        "book_qr_code": _code(view.book_qr),
        "sections": [
            {"id": section.id, "title": _text(section.title), "body": _text(section.body),
             "qr_code": _code(section.qr), "entries": [_entry(entry) for entry in section.entries]}
            for section in view.sections
        ],
        **({"withdrawn": True} if view.withdrawn else {}),
    }  # fmt: skip


# --- Reading --------------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _shown(data: dict) -> Text:
    return Text(data["text"], data["lang"], data["fallback"], data["state"])


def _image(data: dict | None) -> ImageRef | None:
    return ImageRef(data["media_id"], data["sha256"], data.get("width"), data.get("height")) if data else None


def _rights(data: dict | str | None) -> Rights | None:
    if isinstance(data, str):  # schema 1 and 2: the free text shown then
        return Rights(None, data, "vi")
    return Rights(data["uri"], data["label"], data["lang"], data.get("is_licence", False)) if data else None


def _entry_from(data: dict, printed: dict | None) -> EntryView:
    printed_code = data.get("printed_qr_code") if printed is None else printed.get((str(QrTarget.ENTRY), data["id"]))
    return EntryView(
        id=data["id"],
        item_id=data["item_id"],
        item_published=data["item_published"],
        item_status=data.get("item_status"),
        panel_number=data["panel_number"],
        panel_code=data["panel_code"],
        reference_code=data["reference_code"],
        type=data["type"],
        date=data["date"],
        place=data["place"],
        credit=data["credit"],
        rights=_rights(data["rights"]),
        title=_shown(data["title"]),
        caption=_shown(data["caption"]),
        description=_shown(data["description"]),
        image=_image(data["image"]),
        qr=qr_code(data["qr_code"]),
        printed_qr=qr_code(printed_code),
        withdrawn=data.get("withdrawn", False),
    )


def view_from_record(data: dict, printed: dict | None = None) -> ExhibitionView:
    """A view read back from its record; `printed` holds the codes printed in its language when the record
    (version 1) does not."""

    def printed_code(key: str, target: QrTarget) -> str | None:
        return data.get(key) if printed is None else printed.get((str(target), None))

    venue = data["venue"]
    sections = tuple(
        SectionView(section["id"], _shown(section["title"]), _shown(section["body"]), qr_code(section["qr_code"]),
                    tuple(_entry_from(entry, printed) for entry in section["entries"]))
        for section in data["sections"]
    )  # fmt: skip
    return ExhibitionView(
        id=data["id"],
        code=data["code"],
        lang=data["lang"],
        chain=tuple(data["chain"]),
        status=data["status"],
        mode=data["mode"],
        is_framework=data["is_framework"],
        opens_on=_date(data["opens_on"]),
        closes_on=_date(data["closes_on"]),
        primary_language=data["primary_language"],
        languages=tuple(data["languages"]),
        venue=Venue(venue["code"], venue["name"], venue["kind"]) if venue else None,
        title=_shown(data["title"]),
        introduction=_shown(data["introduction"]),
        qr=qr_code(data["qr_code"]),
        printed_qr=qr_code(printed_code("printed_qr_code", QrTarget.EXHIBITION)),
        book_qr=qr_code(printed_code("book_qr_code", QrTarget.EBOOK)),
        sections=sections,
        withdrawn=data.get("withdrawn", False),
    )
