"""The sitemap (sitemaps.org): every published page in each of its languages, each language version with
its alternates (`xhtml:link hreflang`), split into several sitemaps under an index once one would pass
the protocol's limits (50,000 URLs or 50 MB uncompressed: SITEMAP_MAX_URLS, SITEMAP_MAX_BYTES).

A page's languages are those its content exists in: an item's texts, an exhibition's languages (its
sections, entries and book page alike), the interface languages for the site's own pages. A language
version is the page's address with the visitor's explicit choice (`?lang=`, core.language_policy); the address
without it, where the browser's languages decide (English for any other), is the `x-default`.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

from flask import url_for
from sqlalchemy import select

from archive.models import Item, ItemStatus, ItemText
from core.i18n import ui_languages
from core.language_policy import CHOSEN_ARG
from exhibitions import reading
from exhibitions.models import Entry, Exhibition, ExhibitionStatus, Section

URLSET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n')  # fmt: skip
URLSET_TAIL = "</urlset>\n"
INDEX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
INDEX_TAIL = "</sitemapindex>\n"
ITEMS_BATCH = 1000
# The protocol's limit of sitemaps under one index.
MAX_PARTS = 50_000


@dataclass(frozen=True, slots=True)
class Page:
    """A published page: its path, the languages it is shown in, and when it last changed."""

    path: str
    languages: tuple[str, ...]
    lastmod: date | None = None


def published_pages(session) -> Iterator[Page]:
    """Every page the public can read, in a stable order: the site's own, exhibitions, items."""
    for endpoint in ("portal.home", "exhibitions.public_list", "archive.public_items"):
        yield Page(url_for(endpoint), tuple(ui_languages()))
    yield from _exhibition_pages(session)
    yield from _item_pages(session)


def _exhibition_pages(session) -> Iterator[Page]:
    visible = select(Exhibition.id, Exhibition.updated_at).where(reading.shown_to_public())
    exhibitions = session.execute(visible.order_by(Exhibition.id)).all()
    for exhibition_id, updated_at in exhibitions:
        exhibition = session.get(Exhibition, exhibition_id)
        languages, changed = tuple(exhibition.all_languages), _day(updated_at)
        yield Page(url_for("exhibitions.public_exhibition", exhibition_id=exhibition_id), languages, changed)
        yield Page(url_for("exhibitions.book", exhibition_id=exhibition_id), languages, changed)
        for section_id, entry_ids in _layout(session, exhibition):
            yield Page(url_for("exhibitions.public_section", exhibition_id=exhibition_id, section_id=section_id),
                       languages, changed)  # fmt: skip
            for entry_id in entry_ids:
                yield Page(url_for("exhibitions.public_entry", exhibition_id=exhibition_id, entry_id=entry_id),
                           languages, changed)  # fmt: skip
        session.expunge(exhibition)  # memory stays flat over many exhibitions


def _layout(session, exhibition: Exhibition) -> list[tuple[int, list[int]]]:
    """(section id, ids of the entries it shows) as the public pages read them: a frozen exhibition from its
    snapshot, a live one from the database, where an entry has a page only while its item is published (a
    withdrawn item's placeholder answers 410)."""
    if exhibition.status == ExhibitionStatus.ARCHIVED and exhibition.frozen:
        view = reading.view_for(exhibition, exhibition.primary_language)
        return [(section.id, [entry.id for entry in section.entries if not entry.withdrawn])
                for section in view.sections]  # fmt: skip
    rows = session.execute(
        select(Section.id, Entry.id).select_from(Section)
        .outerjoin(Entry, (Entry.section_id == Section.id)
                   & Entry.item_id.in_(select(Item.id).where(Item.status == ItemStatus.PUBLISHED)))
        .where(Section.exhibition_id == exhibition.id).order_by(Section.position, Section.id, Entry.position, Entry.id)
    )  # fmt: skip
    layout: dict[int, list[int]] = {}
    for section_id, entry_id in rows:
        layout.setdefault(section_id, []).extend([entry_id] if entry_id else [])
    return list(layout.items())


def _item_pages(session) -> Iterator[Page]:
    """Published items with the languages of their texts, Vietnamese (the reference) first."""
    last = 0
    while True:
        rows = session.execute(
            select(Item.id, Item.updated_at).where(Item.status == ItemStatus.PUBLISHED, Item.id > last)
            .order_by(Item.id).limit(ITEMS_BATCH)
        ).all()  # fmt: skip
        if not rows:
            return
        languages: dict[int, list[str]] = {}
        texts = select(ItemText.item_id, ItemText.lang).where(ItemText.item_id.in_([r.id for r in rows]))
        for item_id, lang in session.execute(texts.order_by(ItemText.item_id, ItemText.lang)):
            languages.setdefault(item_id, []).append(lang)
        for row in rows:
            tags = sorted(languages.get(row.id, ["vi"]), key=lambda tag: (tag != "vi", tag))
            yield Page(url_for("items.public_item", item_id=row.id), tuple(tags), _day(row.updated_at))
        last = rows[-1].id


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def url_entries(pages: Iterable[Page], base_url: str) -> Iterator[str]:
    """One `<url>` element for each language version of each page, with the alternates of all of them."""
    for page in pages:
        address = base_url + page.path
        versions = [(tag, f"{address}?{CHOSEN_ARG}={tag}") for tag in page.languages]
        alternates = "".join(f'    <xhtml:link rel="alternate" hreflang={quoteattr(tag)} href={quoteattr(href)}/>\n'
                             for tag, href in [*versions, ("x-default", address)])  # fmt: skip
        lastmod = f"    <lastmod>{page.lastmod.isoformat()}</lastmod>\n" if page.lastmod else ""
        for _tag, href in versions:
            yield f"  <url>\n    <loc>{escape(href)}</loc>\n{lastmod}{alternates}  </url>\n"


def chunks(entries: Iterable[str], max_urls: int, max_bytes: int) -> Iterator[list[str]]:
    """The entries cut into sitemaps, each within `max_urls` entries and `max_bytes` bytes of UTF-8."""
    frame = len((URLSET_HEAD + URLSET_TAIL).encode())
    chunk: list[str] = []
    size = frame
    for entry in entries:
        length = len(entry.encode())
        if chunk and (len(chunk) >= max_urls or size + length > max_bytes):
            yield chunk
            chunk, size = [], frame
        chunk.append(entry)
        size += length
    yield chunk  # an empty site still has a sitemap: an empty urlset


def urlset(entries: list[str]) -> str:
    """A sitemap document of these entries."""
    return URLSET_HEAD + "".join(entries) + URLSET_TAIL


def sitemap_index(locations: Iterable[str]) -> str:
    """A sitemap index document listing these sitemaps."""
    return INDEX_HEAD + "".join(f"  <sitemap><loc>{escape(loc)}</loc></sitemap>\n" for loc in locations) + INDEX_TAIL


def sitemap_document(session, base_url: str, number: int | None, max_urls: int, max_bytes: int) -> str | None:
    """`/sitemap.xml` (number None): the one sitemap, or the index when the pages need several;
    `/sitemap-<number>.xml`: that part, None when there is no such part."""
    parts = chunks(url_entries(published_pages(session), base_url), max_urls, max_bytes)
    if number is not None:
        # The protocol's index lists at most MAX_PARTS parts: a larger number names none (and islice refuses one
        # past sys.maxsize).
        part = next(islice(parts, number - 1, None), None) if 1 <= number <= MAX_PARTS else None
        return None if part is None else urlset(part)
    first, second = next(parts), next(parts, None)
    if second is None:
        return urlset(first)
    count = 2 + sum(1 for _part in parts)
    return sitemap_index(base_url + url_for("portal.sitemap_part", number=n) for n in range(1, count + 1))
