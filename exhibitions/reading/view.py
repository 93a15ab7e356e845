"""What a reader sees of an exhibition in one language: plain data for pages, labels and books.

The view is a JSON-ready dict, built live from the database or read back from the snapshot
taken when the exhibition was archived, so every consumer renders both the same way.
"""

from sqlalchemy.orm import object_session

from archive.models import Item, ItemStatus, MediaFile
from core.i18n import localized
from core.languages import REFERENCE_LANGUAGE
from exhibitions.models import Entry, Exhibition, ExhibitionStatus, QrTarget, Section
from exhibitions.qr import panel_code, printed_codes

IMAGE_TYPES = ("image/jpeg", "image/png", "image/tiff", "application/pdf")


def language_chain(exhibition: Exhibition, lang: str) -> list[str]:
    """The languages tried for a text, in order: the reader's, the curator's chain, then Vietnamese."""
    chain = [lang, *(exhibition.fallback_chain or []), exhibition.primary_language, REFERENCE_LANGUAGE]
    return list(dict.fromkeys(tag for tag in chain if tag))


def reader_language(exhibition: Exhibition, asked: str | None) -> str:
    """The exhibition language closest to the one asked for, else its primary language."""
    if asked:
        for tag in exhibition.all_languages:
            if tag == asked or tag.split("-")[0] == asked.split("-")[0]:
                return tag
    return exhibition.primary_language


def _shown(text, lang: str, wanted: str, state) -> dict:
    return {"text": text, "lang": lang, "fallback": lang != wanted, "state": str(state) if state else None}


def _missing(wanted: str) -> dict:
    return {"text": None, "lang": wanted, "fallback": False, "state": None}


def pick(chain: list[str], lookup) -> dict:
    """The first text `lookup(lang)` finds along the chain, with its language and state."""
    for tag in chain:
        found = lookup(tag)
        if found and found[0]:
            return _shown(found[0], tag, chain[0], found[1])
    return _missing(chain[0])


def exhibition_title(exhibition: Exhibition, chain: list[str]) -> dict:
    """The exhibition's title along the chain."""

    def lookup(tag):
        text = exhibition.text_for(tag)
        return (text.title, text.state) if text else None

    return pick(chain, lookup)


def exhibition_introduction(exhibition: Exhibition, chain: list[str]) -> dict:
    """The exhibition's introduction along the chain."""

    def lookup(tag):
        text = exhibition.text_for(tag)
        return (text.introduction, text.state) if text else None

    return pick(chain, lookup)


def section_text(section: Section, name: str, chain: list[str]) -> dict:
    """A section's title or body along the chain."""

    def lookup(tag):
        values = (section.texts or {}).get(tag) or {}
        return (values.get(name), values.get("state", "draft")) if values else None

    return pick(chain, lookup)


def item_text(entry: Entry, chain: list[str], name: str) -> dict:
    """One of the item's texts (`title`, `description`) along the chain."""

    def lookup(tag):
        text = entry.item.text_for(tag)
        return (getattr(text, name), text.state) if text else None

    return pick(chain, lookup)


def entry_caption(entry: Entry, chain: list[str]) -> dict:
    """The panel caption: the curator's override, else the item's caption, language by language."""

    def lookup(tag):
        override = (entry.captions or {}).get(tag) or {}
        if override.get("text"):
            return override["text"], override.get("state", "draft")
        text = entry.item.text_for(tag)
        return (text.caption, text.state) if text else None

    return pick(chain, lookup)


def key_image(item: Item) -> dict | None:
    """The first file of the item that has previews, as the data the image routes need."""
    media: MediaFile | None = next((m for m in item.media if m.mime_type in IMAGE_TYPES), None)
    if media is None:
        return None
    return {"media_id": media.id, "sha256": media.sha256, "width": media.width, "height": media.height}


def credit_line(item: Item, lang: str) -> str:
    """Who made and who lent the item: creator · contributing body · source archive."""
    body_names = set(item.body.names.values()) if item.body else set()
    # The creator is often the lending body too, named in Vietnamese: say it once, in the reader's language.
    creator = item.creator if item.creator not in body_names else None
    parts = [creator, localized(item.body.names, lang) if item.body else None, item.source_archive]
    return " · ".join(dict.fromkeys(p for p in parts if p))


def _qr_codes(exhibition: Exhibition) -> dict:
    """Codes printed for the primary language, by (target, target id)."""
    session = object_session(exhibition)
    if session is None or exhibition.id is None:
        return {}
    return printed_codes(session, exhibition, exhibition.primary_language)


def entry_view(exhibition: Exhibition, entry: Entry, chain: list[str], codes: dict) -> dict:
    """One entry as a reader sees it."""
    item = entry.item
    return {
        "id": entry.id,
        "item_id": item.id,
        "item_published": item.status == ItemStatus.PUBLISHED,
        "panel_number": entry.panel_number,
        "panel_code": panel_code(exhibition.code, entry.panel_number),
        "reference_code": item.reference_code,
        "type": str(item.type),
        "date": item.date_text,
        "place": localized(item.place.names, chain[0]) if item.place else None,
        "credit": credit_line(item, chain[0]),
        "rights": item.rights,
        "title": item_text(entry, chain, "title"),
        "caption": entry_caption(entry, chain),
        "description": item_text(entry, chain, "description"),
        "image": key_image(item),
        "qr_code": codes.get((str(QrTarget.ENTRY), entry.id)),
    }


def build_view(exhibition: Exhibition, lang: str, public: bool = True) -> dict:
    """The exhibition in `lang`, live from the database; the public view skips unpublished items."""
    chain = language_chain(exhibition, lang)
    codes = _qr_codes(exhibition)
    sections = []
    for section in exhibition.sections:
        entries = [entry_view(exhibition, e, chain, codes) for e in section.entries]
        if public:
            entries = [e for e in entries if e["item_published"]]
        sections.append(
            {
                "id": section.id,
                "title": section_text(section, "title", chain),
                "body": section_text(section, "body", chain),
                "qr_code": codes.get((str(QrTarget.SECTION), section.id)),
                "entries": entries,
            }
        )
    venue = exhibition.venue
    return {
        "id": exhibition.id,
        "code": exhibition.code,
        "lang": lang,
        "chain": chain,
        "status": str(exhibition.status),
        "mode": str(exhibition.mode),
        "is_framework": exhibition.is_framework,
        "opens_on": exhibition.opens_on.isoformat() if exhibition.opens_on else None,
        "closes_on": exhibition.closes_on.isoformat() if exhibition.closes_on else None,
        "primary_language": exhibition.primary_language,
        "languages": exhibition.all_languages,
        "venue": {"code": venue.code, "name": localized(venue.names, lang), "kind": str(venue.kind)} if venue else None,
        "title": exhibition_title(exhibition, chain),
        "introduction": exhibition_introduction(exhibition, chain),
        "qr_code": codes.get((str(QrTarget.EXHIBITION), None)),
        "sections": sections,
    }


def view_for(exhibition: Exhibition, lang: str, public: bool = True) -> dict:
    """The frozen view of an archived exhibition, else the live one."""
    if exhibition.status == ExhibitionStatus.ARCHIVED and exhibition.frozen:
        views = exhibition.frozen.get("views", {})
        return views.get(lang) or views[exhibition.primary_language]
    return build_view(exhibition, lang, public)


def find_entry(view: dict, entry_id: int) -> tuple[dict, dict, dict | None, dict | None] | None:
    """The entry, its section, and the entries before and after it across sections."""
    flat = [(section, entry) for section in view["sections"] for entry in section["entries"]]
    for index, (section, entry) in enumerate(flat):
        if entry["id"] == entry_id:
            before = flat[index - 1][1] if index > 0 else None
            after = flat[index + 1][1] if index + 1 < len(flat) else None
            return entry, section, before, after
    return None


def find_section(view: dict, section_id: int) -> dict | None:
    """A section of the view by id."""
    return next((s for s in view["sections"] if s["id"] == section_id), None)


def cover_image(view: dict) -> dict | None:
    """The first image of the exhibition, for share previews and covers."""
    return next((e["image"] for s in view["sections"] for e in s["entries"] if e["image"]), None)
