"""Reading an exhibition in one language, once: the models along the language chain into an ExhibitionView.

The only place that asks the models for titles, texts along the chain, codes and images; every output
renders what this returns. An archived exhibition is read back from its snapshot instead.

Takedown is applied here, for every output at once: in what the public reads, an entry whose item is withdrawn
is a placeholder (view.placeholder) — in a live exhibition; in an archived one, every entry whose item is not
published now (it was when frozen: only a withdrawal takes an item out of publication), its snapshot left as it
was, so undoing the takedown shows it again.
"""

from dataclasses import replace

from sqlalchemy import inspect, select
from sqlalchemy.orm import object_session, selectinload

from archive.models import Body, Item, ItemStatus, MediaFile
from archive.rights import shown as shown_rights
from core.i18n import localized
from core.languages import same_language, text_chain
from exhibitions.models import Entry, Exhibition, ExhibitionStatus, QrTarget, Section
from exhibitions.qr import panel_code, printed_codes_in
from exhibitions.reading.snapshot import read_view
from exhibitions.reading.view import (
    EntryView,
    ExhibitionView,
    ImageRef,
    Rights,
    SectionView,
    Text,
    Venue,
    placeholder,
    qr_code,
)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/tiff", "application/pdf")
# The targets as qr.printed_codes keys them: (target, target id).
EXHIBITION, SECTION, ENTRY, EBOOK = (str(target) for target in (QrTarget.EXHIBITION, QrTarget.SECTION,
                                                                QrTarget.ENTRY, QrTarget.EBOOK))  # fmt: skip


def fallbacks(exhibition: Exhibition) -> list[str]:
    """The exhibition's own fallback languages: its curators' chain, then its primary language."""
    return [*(exhibition.fallback_chain or []), exhibition.primary_language]


def language_chain(exhibition: Exhibition, lang: str) -> list[str]:
    """The languages tried for a text, in order: the reader's, the curator's chain, then Vietnamese."""
    return text_chain(lang, fallbacks(exhibition))


def reader_language(exhibition: Exhibition, asked: str | None) -> str:
    """The exhibition language the reader reads it in: theirs (fr-CH finds fr), else the first of the
    exhibition's chain it is written in, else its primary language."""
    languages = exhibition.all_languages
    if asked:
        own = next((tag for tag in languages if tag == asked), None) or next(
            (tag for tag in languages if same_language(tag, asked)), None
        )
        if own:
            return own
        return next((tag for tag in language_chain(exhibition, asked) if tag in languages), exhibition.primary_language)
    return exhibition.primary_language


def pick(chain: list[str], lookup) -> Text:
    """The first text `lookup(lang)` finds along the chain, with its language and state."""
    for tag in chain:
        found = lookup(tag)
        if found and found[0]:
            return Text(found[0], tag, tag != chain[0], str(found[1]) if found[1] else None)
    return Text(None, chain[0], False, None)


def exhibition_title(exhibition: Exhibition, chain: list[str]) -> Text:
    """The exhibition's title along the chain."""

    def lookup(tag):
        text = exhibition.text_for(tag)
        return (text.title, text.state) if text else None

    return pick(chain, lookup)


def exhibition_introduction(exhibition: Exhibition, chain: list[str]) -> Text:
    """The exhibition's introduction along the chain."""

    def lookup(tag):
        text = exhibition.text_for(tag)
        return (text.introduction, text.state) if text else None

    return pick(chain, lookup)


def section_text(section: Section, name: str, chain: list[str]) -> Text:
    """A section's title or body along the chain."""

    def lookup(tag):
        values = (section.texts or {}).get(tag) or {}
        return (values.get(name), values.get("state", "draft")) if values else None

    return pick(chain, lookup)


def item_text(entry: Entry, chain: list[str], name: str) -> Text:
    """One of the item's texts (`title`, `description`) along the chain."""

    def lookup(tag):
        text = entry.item.text_for(tag)
        return (getattr(text, name), text.state) if text else None

    return pick(chain, lookup)


def _overridden(entry: Entry, overrides: dict | None, name: str, chain: list[str]) -> Text:
    """The curator's text for this exhibition, else the item's own, language by language along the chain."""

    def lookup(tag):
        override = (overrides or {}).get(tag) or {}
        if override.get("text"):
            return override["text"], override.get("state", "draft")
        text = entry.item.text_for(tag)
        return (getattr(text, name), text.state) if text else None

    return pick(chain, lookup)


def entry_title(entry: Entry, chain: list[str]) -> Text:
    """The panel's title: the entry's own title for this exhibition, else the item's, language by language."""
    return _overridden(entry, entry.titles, "title", chain)


def entry_caption(entry: Entry, chain: list[str]) -> Text:
    """The panel caption: the curator's override, else the item's caption, language by language."""
    return _overridden(entry, entry.captions, "caption", chain)


def key_image(item: Item) -> ImageRef | None:
    """The first file of the item that has previews."""
    media: MediaFile | None = next((m for m in item.media if m.mime_type in IMAGE_TYPES), None)
    if media is None:
        return None
    return ImageRef(media.id, media.sha256, media.width, media.height)


def known_bodies(session) -> dict[str, dict]:
    """Every contributing body's names by each of its names: a creator or source archive written as a body's name
    (in any language) is named as that body is, in the reader's language."""
    return {name.strip(): body.names for body in session.scalars(select(Body)) for name in (body.names or {}).values()}


def credit_line(item: Item, lang: str, bodies: dict[str, dict] | None = None) -> str:
    """Who made and who lent the item: creator · contributing body · source archive, in the reader's language as
    far as the archive knows the names in it (`bodies`, as known_bodies gives them; the item's own body at least)."""
    known = dict(bodies or {})
    if item.body:
        known |= {name.strip(): item.body.names for name in item.body.names.values()}

    def named(value: str) -> str:
        names = known.get(value.strip())
        return localized(names, lang) if names else value

    # The creator is often the lending body too, named in Vietnamese: said once, in the reader's language.
    parts = [item.creator, localized(item.body.names, lang) if item.body else None, item.source_archive]
    return " · ".join(dict.fromkeys(named(p) for p in parts if p))


def codes_printed(exhibition: Exhibition, langs: list[str]) -> dict[str, dict]:
    """The codes printed in each of `langs` (qr.printed_codes_in); none for an exhibition not in a session yet."""
    session = object_session(exhibition)
    if session is None or exhibition.id is None:
        return {lang: {} for lang in langs}
    return printed_codes_in(session, exhibition, langs)


def entry_view(
    exhibition: Exhibition,
    entry: Entry,
    chain: list[str],
    codes: tuple[dict, dict],
    bodies: dict[str, dict] | None = None,
) -> EntryView:
    """One entry as a reader sees it; `codes` are the primary language's and the view language's, `bodies` the
    names the credit line may translate (known_bodies)."""
    item, (primary, printed) = entry.item, codes
    return EntryView(
        id=entry.id,
        item_id=item.id,
        item_published=item.status == ItemStatus.PUBLISHED,
        item_status=str(item.status),
        panel_number=entry.panel_number,
        panel_code=panel_code(exhibition.code, entry.panel_number),
        reference_code=item.reference_code,
        type=str(item.type),
        date=item.date_text,
        place=localized(item.place.names, chain[0]) if item.place else None,
        credit=credit_line(item, chain[0], bodies),
        rights=rights_in(item, chain),
        title=entry_title(entry, chain),
        caption=entry_caption(entry, chain),
        description=item_text(entry, chain, "description"),
        image=key_image(item),
        qr=qr_code(primary.get((ENTRY, entry.id))),
        printed_qr=qr_code(printed.get((ENTRY, entry.id))),
    )


def rights_in(item: Item, chain: list[str]) -> Rights | None:
    """The item's rights statement named along the reader's chain."""
    shown = shown_rights(item.rights, chain)
    return Rights(shown.uri, shown.label, shown.lang, shown.is_licence) if shown else None


def load_for_reading(exhibition: Exhibition) -> None:
    """Load what a view reads of the exhibition in a few queries: its sections, entries, items, their texts,
    files, places and bodies (one query an item and relation otherwise); once, when its sections are not loaded."""
    session = object_session(exhibition)
    if session is None or exhibition.id is None or "sections" not in inspect(exhibition).unloaded:
        return
    item = selectinload(Exhibition.sections).selectinload(Section.entries).selectinload(Entry.item)
    options = [item.selectinload(relation) for relation in (Item.texts, Item.media, Item.place, Item.body)]
    session.scalars(select(Exhibition).where(Exhibition.id == exhibition.id).options(
        selectinload(Exhibition.texts), selectinload(Exhibition.venue), *options)).one()  # fmt: skip


def shown_entries(entries, lang: str, public: bool) -> tuple[EntryView, ...]:
    """The entries a reader of a live exhibition sees: all for staff; for the public, published items, a placeholder
    for each withdrawn one, and nothing of a draft or one in review."""
    if not public:
        return tuple(entries)
    withdrawn = str(ItemStatus.WITHDRAWN)
    return tuple(entry if entry.item_published else placeholder(entry, lang)
                 for entry in entries if entry.item_published or entry.item_status == withdrawn)  # fmt: skip


def build_view(exhibition: Exhibition, lang: str, public: bool = True) -> ExhibitionView:
    """The exhibition in `lang`, live from the database; the public view has placeholders for withdrawn items and
    skips other unpublished ones."""
    load_for_reading(exhibition)
    chain = language_chain(exhibition, lang)
    codes = codes_printed(exhibition, [exhibition.primary_language, lang])
    primary, printed = codes[exhibition.primary_language], codes[lang]
    session = object_session(exhibition)
    bodies = known_bodies(session) if session is not None else None
    sections = []
    for section in exhibition.sections:
        entries = (entry_view(exhibition, e, chain, (primary, printed), bodies) for e in section.entries)
        shown = shown_entries(entries, lang, public)
        sections.append(SectionView(section.id, section_text(section, "title", chain),
                                    section_text(section, "body", chain), qr_code(primary.get((SECTION, section.id))),
                                    shown))  # fmt: skip
    venue = exhibition.venue
    return ExhibitionView(
        id=exhibition.id,
        code=exhibition.code,
        lang=lang,
        chain=tuple(chain),
        status=str(exhibition.status),
        mode=str(exhibition.mode),
        is_framework=exhibition.is_framework,
        opens_on=exhibition.opens_on,
        closes_on=exhibition.closes_on,
        primary_language=exhibition.primary_language,
        languages=tuple(exhibition.all_languages),
        venue=Venue(venue.code, localized(venue.names, lang), str(venue.kind)) if venue else None,
        title=exhibition_title(exhibition, chain),
        introduction=exhibition_introduction(exhibition, chain),
        qr=qr_code(primary.get((EXHIBITION, None))),
        printed_qr=qr_code(printed.get((EXHIBITION, None))),
        book_qr=qr_code(printed.get((EBOOK, None))),
        sections=tuple(sections),
        withdrawn=exhibition.taken_down,
    )


def view_for(exhibition: Exhibition, lang: str, public: bool = True) -> ExhibitionView:
    """The frozen view of an archived exhibition (for the public, with the takedowns since applied), else the live
    one."""
    if exhibition.status == ExhibitionStatus.ARCHIVED and exhibition.frozen:
        # Snapshots stored before they kept the printed codes (version 1) take them from the links, as then.
        view = read_view(exhibition.frozen, lang, exhibition.primary_language,
                         lambda tag: codes_printed(exhibition, [tag])[tag])  # fmt: skip
        session = object_session(exhibition)
        if public and session is not None:
            view = with_takedowns(view, published_now(session, [entry.item_id for entry in view.entries]))
        return replace(view, withdrawn=exhibition.taken_down)
    return build_view(exhibition, lang, public)


def published_now(session, item_ids) -> set[int]:
    """Which of these items are published now."""
    ids = {item_id for item_id in item_ids if item_id is not None}
    if not ids:
        return set()
    return set(session.scalars(select(Item.id).where(Item.id.in_(ids), Item.status == ItemStatus.PUBLISHED)))


def with_takedowns(view: ExhibitionView, published: set[int]) -> ExhibitionView:
    """The view with a placeholder in place of every entry whose item is not among `published`."""
    sections = tuple(
        replace(section, entries=tuple(entry if entry.item_id in published and not entry.withdrawn
                                       else placeholder(entry, view.lang) for entry in section.entries))
        for section in view.sections
    )  # fmt: skip
    return replace(view, sections=sections)
