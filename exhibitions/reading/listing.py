"""Reading exhibitions for the public: which are shown, grouped by when, and one by id."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from archive.models import Place
from core.errors import Gone, NotFound
from core.i18n import _, localized
from core.pagination import Page, keyset_page, offset_page, parse_cursor
from exhibitions.models import Entry, Exhibition, ExhibitionStatus, Section
from exhibitions.reading.builder import exhibition_title, language_chain, reader_language
from exhibitions.reading.view import Text

VISIBLE = (ExhibitionStatus.PUBLISHED, ExhibitionStatus.ARCHIVED)


def shown_to_public():
    """The condition an exhibition the public sees meets: published or archived, and not taken down."""
    return Exhibition.status.in_(VISIBLE) & Exhibition.withdrawn_at.is_(None)


@dataclass
class Listing:
    """Published exhibitions by time: on now, coming, over; and the venues to filter by."""

    current: list["Card"] = field(default_factory=list)
    upcoming: list["Card"] = field(default_factory=list)
    past: list["Card"] = field(default_factory=list)
    venues: list = field(default_factory=list)  # (code, name)


def when(exhibition: Exhibition, today: date) -> str:
    """current, upcoming or past, from the dates and the status (archived ones are past)."""
    if exhibition.status == ExhibitionStatus.ARCHIVED or (exhibition.closes_on and exhibition.closes_on < today):
        return "past"
    if exhibition.opens_on and exhibition.opens_on > today:
        return "upcoming"
    return "current"


def list_public(session, today: date, venue: str | None = None, lang: str = "vi") -> Listing:
    """Published and archived exhibitions (the national framework among them), optionally at one venue."""
    query = (
        select(Exhibition)
        .where(shown_to_public())
        .options(selectinload(Exhibition.texts), selectinload(Exhibition.venue))
        .order_by(Exhibition.opens_on.desc(), Exhibition.id.desc())
    )
    shown = list(session.scalars(query))
    listing = Listing()
    listing.venues = sorted(
        {(e.venue.code, localized(e.venue.names, lang)) for e in shown if e.venue}, key=lambda pair: pair[1]
    )
    for exhibition in shown:
        if venue and (exhibition.venue is None or exhibition.venue.code != venue):
            continue
        getattr(listing, when(exhibition, today)).append(card(exhibition, lang))
    listing.upcoming.reverse()  # soonest first
    return listing


@dataclass(frozen=True, slots=True)
class Card:
    """What a list shows of an exhibition: its title along the chain, venue, dates, mode and languages."""

    id: int
    title: Text
    venue: str | None
    opens_on: date | None
    closes_on: date | None
    mode: str
    languages: tuple[str, ...]
    is_framework: bool
    status: str


def card(exhibition: Exhibition, lang: str) -> Card:
    """What a list shows of an exhibition, in the reader's language where it has one."""
    chain = language_chain(exhibition, reader_language(exhibition, lang))
    venue = localized(exhibition.venue.names, lang) if exhibition.venue else None
    return Card(exhibition.id, exhibition_title(exhibition, chain), venue, exhibition.opens_on, exhibition.closes_on,
                str(exhibition.mode), tuple(exhibition.all_languages), exhibition.is_framework,
                str(exhibition.status))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Appearance:
    """An exhibition the public can see showing an item, and the entry (its panel) that shows it."""

    card: Card
    entry_id: int
    panel_number: str | None


def showing_item(session, item_id: int, lang: str) -> list[Appearance]:
    """The published and archived exhibitions showing the item, latest opening first, each once."""
    rows = session.execute(
        select(Exhibition, Entry.id, Entry.panel_number)
        .join(Section, Section.exhibition_id == Exhibition.id)
        .join(Entry, Entry.section_id == Section.id)
        .where(Entry.item_id == item_id, shown_to_public())
        .options(selectinload(Exhibition.texts), selectinload(Exhibition.venue))
        .order_by(Exhibition.opens_on.desc().nulls_last(), Exhibition.id.desc(), Section.position, Entry.position)
    )
    shown: dict[int, Appearance] = {}
    for exhibition, entry_id, panel_number in rows:
        if exhibition.id not in shown:
            shown[exhibition.id] = Appearance(card(exhibition, lang), entry_id, panel_number)
    return list(shown.values())


def get_visible(session, exhibition_id: int, staff: bool) -> Exhibition:
    """A published or archived exhibition; Gone (410) for the public when it was taken down; staff also see drafts
    and taken-down exhibitions (as a preview)."""
    exhibition = session.get(Exhibition, exhibition_id)
    if exhibition is None or (exhibition.status not in VISIBLE and not staff):
        raise NotFound(_("There is no published exhibition %(id)s.", id=exhibition_id))
    if exhibition.taken_down and not staff:
        raise Gone(_("Exhibition %(id)s has been withdrawn from public view.", id=exhibition_id))
    return exhibition


# Latest opening first, those without a date last: one expression, so that a cursor can name a position in it.
EXHIBITIONS_LISTING = "exhibitions"
EXHIBITION_ORDER = (func.coalesce(Exhibition.opens_on, date.min), Exhibition.id)


def _exhibition_key(exhibition: Exhibition) -> tuple:
    return exhibition.opens_on or date.min, exhibition.id


def list_exhibitions(session, filters: dict, page: int, per_page: int, public: bool, cursor: str | None = None) -> Page:
    """Exhibitions matching the filters, latest opening first; the public sees published and archived ones
    not taken down. A page by `cursor` (core.pagination) or by number, as list_items."""
    position = parse_cursor(EXHIBITIONS_LISTING, cursor, len(EXHIBITION_ORDER))
    conditions = [shown_to_public()] if public else []
    if status := filters.get("status"):
        conditions.append(Exhibition.status == ExhibitionStatus(status))
    if venue := filters.get("venue"):
        conditions.append(Exhibition.venue_id.in_(select(Place.id).where(Place.code == venue)))
    if "framework" in filters:
        conditions.append(Exhibition.is_framework == filters["framework"])
    query = select(Exhibition).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    query = query.options(selectinload(Exhibition.texts), selectinload(Exhibition.venue))
    if position is not None or page == 1:
        return keyset_page(session, query, EXHIBITION_ORDER, _exhibition_key, EXHIBITIONS_LISTING, per_page, position,
                           total)  # fmt: skip
    return offset_page(session, query, EXHIBITION_ORDER, _exhibition_key, EXHIBITIONS_LISTING, page, per_page, total)
