"""What the home page shows: exhibitions on now and coming, featured items, and the ways into the
archive (by convention and theme, place, decade and type), each with how many published items it
leads to.

The counts come from the search index's facets over published items (one search, no SQL count), so
each number is what the search page shows when the link is followed.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from babel import Locale, UnknownLocaleError
from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.forms import TYPE_LABELS
from archive.media import derivative_path
from archive.models import Item, ItemStatus, MediaFile, Place, PlaceKind
from archive.reference import fold
from archive.searching import public_counts
from archive.vocabulary import schemes_with_terms
from core.i18n import _, localized
from core.search import IndexUnavailable
from exhibitions import reading
from exhibitions.models import Entry, Exhibition, Section

FEATURED = 8  # items featured on the home page
SHOWN_EXHIBITIONS = 6  # exhibitions on now (and coming up) shown before "all exhibitions"


@dataclass(frozen=True, slots=True)
class Way:
    """One way into the archive: a facet value, its label, and how many published items hold it."""

    facet: str
    value: str
    label: str
    count: int
    note: str = ""  # e.g. until when a province bore this name


@dataclass(frozen=True, slots=True)
class WayGroup:
    """Ways under one heading: a scheme's terms, a province's names over time, a country's venues."""

    label: str
    ways: tuple[Way, ...]

    @property
    def total(self) -> int:
        return sum(way.count for way in self.ways)


@dataclass(frozen=True, slots=True)
class Decade:
    """One bar of the timeline: a decade, its published items, and its height against the tallest."""

    start: int
    count: int
    share: float

    @property
    def step(self) -> int:
        """The bar's height in twentieths, a class of the style sheet: the content policy allows no style
        attribute, and a twentieth of the bar (a third of a rem) is finer than an eye compares."""
        return round(self.share * 20)


@dataclass(frozen=True, slots=True)
class ExhibitionTile:
    """An exhibition card of the home page: the public list's card, where it is, and a cover thumbnail."""

    card: reading.Card
    abroad: bool
    where: str | None  # venue, with the country when abroad
    cover: MediaFile | None


@dataclass
class Home:
    """Everything the home page shows, read once."""

    total: int
    current: list[ExhibitionTile] = field(default_factory=list)
    upcoming: list[ExhibitionTile] = field(default_factory=list)
    more_exhibitions: bool = False
    featured: list[Item] = field(default_factory=list)
    themes: list[WayGroup] = field(default_factory=list)
    provinces: list[WayGroup] = field(default_factory=list)
    abroad: list[WayGroup] = field(default_factory=list)
    decades: list[Decade] = field(default_factory=list)
    types: list[Way] = field(default_factory=list)


def home_page(session, lang: str, today: date) -> Home:
    """The home page in `lang` on `today`."""
    try:
        total, counts = public_counts(("type", "decade", "place", "term"))
    except IndexUnavailable as error:  # the ways in are counted by the index: shown again once it is rebuilt
        logging.getLogger(__name__).warning("home page without counts: %s", error)
        total, counts = 0, {}
    listing = reading.list_public(session, today, None, lang)
    current, upcoming = listing.current[:SHOWN_EXHIBITIONS], listing.upcoming[:SHOWN_EXHIBITIONS]
    entries = _entries_in_order(session, [card.id for card in (*current, *upcoming)])
    tiles = _tiles(session, [*current, *upcoming], entries, lang)
    home = Home(total=total)
    home.current = [tiles[card.id] for card in current]
    home.upcoming = [tiles[card.id] for card in upcoming]
    home.more_exhibitions = len(listing.past) + len(listing.current) + len(listing.upcoming) > len(tiles)
    on_show = {card.id for card in listing.current}
    home.featured = featured_items(session, [(e, i) for e, i in entries if e in on_show])
    home.themes = _themes(session, counts.get("term", {}), lang)
    home.provinces, home.abroad = _places(session, counts.get("place", {}), lang, today)
    home.decades = timeline(counts.get("decade", {}))
    home.types = [Way("type", str(kind), str(label), counts["type"][str(kind)])
                  for kind, label in TYPE_LABELS.items() if counts.get("type", {}).get(str(kind))]  # fmt: skip
    return home


# --- Exhibitions ---------------------------------------------------------------------------


def _tiles(session, cards: list[reading.Card], entries: list[tuple[int, int]], lang: str) -> dict:
    """Exhibition id → its tile."""
    ids = [card.id for card in cards]
    if not ids:
        return {}
    venues = {row.id: row for row in session.execute(
        select(Exhibition.id, Place.kind, Place.country).join(Place, Exhibition.venue).where(Exhibition.id.in_(ids))
    )}  # fmt: skip
    # The cover: the thumbnail of the first entry, in panel order, whose published item has one and is not
    # already another tile's cover (a derived exhibition often opens with its framework's first item).
    thumbnails = _thumbnailed(session, list(dict.fromkeys(item_id for _e, item_id in entries)))
    covers: dict[int, MediaFile] = {}
    for exhibition_id in ids:
        shown = [item_id for e, item_id in entries if e == exhibition_id and item_id in thumbnails]
        used = {media.item_id for media in covers.values()}
        if pick := next((i for i in shown if i not in used), shown[0] if shown else None):
            covers[exhibition_id] = thumbnails[pick]
    tiles = {}
    for card in cards:
        venue = venues.get(card.id)
        abroad = venue is not None and venue.kind == PlaceKind.ABROAD
        where = card.venue
        if abroad and card.venue:
            where = _("%(venue)s, %(country)s", venue=card.venue, country=country_name(venue.country, lang))
        tiles[card.id] = ExhibitionTile(card, abroad, where, covers.get(card.id))
    return tiles


def _entries_in_order(session, exhibition_ids: list[int]) -> list[tuple[int, int]]:
    """(exhibition id, item id) of every entry of these exhibitions, section by section, panel by panel."""
    query = (
        select(Section.exhibition_id, Entry.item_id)
        .join(Entry, Entry.section_id == Section.id)
        .where(Section.exhibition_id.in_(exhibition_ids))
        .order_by(Section.exhibition_id, Section.position, Section.id, Entry.position, Entry.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def country_name(code: str, lang: str) -> str:
    """A country's name in `lang` from the CLDR (`CH` → `Suisse`); in Vietnamese for a language the CLDR
    lacks (Tày pages have a Vietnamese interface), else its code."""
    for tag in (lang, "vi"):
        try:
            return Locale.parse(tag.replace("-", "_")).territories.get(code.upper(), code)
        except (UnknownLocaleError, ValueError):
            continue
    return code


# --- Featured items ------------------------------------------------------------------------


def featured_items(session, on_show: list[tuple[int, int]], limit: int = FEATURED) -> list[Item]:
    """Published items with a thumbnail: those on show now (`on_show`: (exhibition id, item id) in panel
    order), taken in turn from each current exhibition, then the most recently dated ones. The same data
    always gives the same choice."""
    queues: dict[int, list[int]] = {}
    for exhibition_id, item_id in on_show:
        queues.setdefault(exhibition_id, []).append(item_id)
    in_turn = []  # round robin: each exhibition on show contributes, not only the largest
    while queues:
        for exhibition_id in list(queues):
            in_turn.append(queues[exhibition_id].pop(0))
            if not queues[exhibition_id]:
                del queues[exhibition_id]
    newest = (
        select(Item.id)
        .where(Item.status == ItemStatus.PUBLISHED, Item.media.any())
        .order_by(Item.date_start.desc().nulls_last(), Item.id.desc())
    )
    chosen: list[int] = []
    for source in ("on show", "newest"):
        if source == "newest":
            in_turn = session.scalars(newest.limit(limit * 3)).all()
        candidates = [i for i in dict.fromkeys(in_turn) if i not in chosen]
        thumbnailed = _thumbnailed(session, candidates)
        chosen += [i for i in candidates if i in thumbnailed][: limit - len(chosen)]
        if len(chosen) >= limit:
            break
    query = (
        select(Item)
        .where(Item.id.in_(chosen))
        .options(selectinload(Item.texts), selectinload(Item.media), selectinload(Item.place))
    )
    found = {item.id: item for item in session.scalars(query)}
    return [found[i] for i in chosen]


def _thumbnailed(session, item_ids: list[int]) -> dict[int, MediaFile]:
    """The first file of each published item among `item_ids` whose thumbnail has been made."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(MediaFile).join(Item).where(MediaFile.item_id.in_(item_ids), Item.status == ItemStatus.PUBLISHED)
        .order_by(MediaFile.item_id, MediaFile.position, MediaFile.id)
    ).scalars()  # fmt: skip
    first: dict[int, MediaFile] = {}
    for media in rows:
        first.setdefault(media.item_id, media)
    return {item_id: media for item_id, media in first.items() if derivative_path(media.sha256, "thumb", 1).is_file()}


# --- Ways in -------------------------------------------------------------------------------


def _themes(session, counts: dict[str, int], lang: str) -> list[WayGroup]:
    """Each scheme (conventions, themes, content lines) with its terms that lead to items."""
    groups = []
    for scheme in schemes_with_terms(session):
        ways = tuple(Way("term", t.code, localized(t.labels, lang), counts[t.code], t.code if t.code.isupper() else "")
                     for t in scheme.terms if counts.get(t.code))  # fmt: skip
        if ways:
            groups.append(WayGroup(localized(scheme.labels, lang), ways))
    return groups


def _places(session, counts: dict[str, int], lang: str, today: date) -> tuple[list[WayGroup], list[WayGroup]]:
    """Provinces of today, each with the names its items carry (the names valid at their dates), and
    countries abroad with their venues."""
    places = {place.id: place for place in session.scalars(select(Place))}
    home: dict[int, list[Way]] = {}
    abroad: dict[str, list[Way]] = {}
    for place in (p for p in places.values() if counts.get(p.code)):
        name = localized(place.names, lang)
        if place.kind == PlaceKind.ABROAD:
            abroad.setdefault(place.country, []).append(Way("place", place.code, name, counts[place.code]))
            continue
        unit = unit_on(place, places, today)
        note = "" if unit is place else _("until %(date)s", date=format_date(place.valid_to)) if place.valid_to else ""
        home.setdefault(unit.id, []).append(Way("place", place.code, name, counts[place.code], note))
    provinces = [WayGroup(localized(places[unit_id].names, lang), tuple(sorted(ways, key=_by_name)))
                 for unit_id, ways in home.items()]  # fmt: skip
    countries = [WayGroup(country_name(country, lang), tuple(sorted(ways, key=_by_name)))
                 for country, ways in abroad.items()]  # fmt: skip
    return sorted(provinces, key=_by_name), sorted(countries, key=_by_name)


def unit_on(place: Place, places: dict[int, Place], day: date) -> Place:
    """The province or city that `place` is part of on `day`, following its successors."""
    seen = {place.id}
    while place.valid_to and place.valid_to < day and place.successor_id in places and place.successor_id not in seen:
        place = places[place.successor_id]
        seen.add(place.id)
    return place


def _by_name(named) -> str:
    return fold(named.label).casefold()


def timeline(counts: dict[str, int]) -> list[Decade]:
    """Every decade from the first to the last that has items, the empty ones included."""
    decades = sorted(int(d) for d in counts if d.isascii() and d.isdigit())
    if not decades:
        return []
    tallest = max(counts[str(d)] for d in decades)
    return [Decade(start, counts.get(str(start), 0), counts.get(str(start), 0) / tallest)
            for start in range(decades[0], decades[-1] + 10, 10)]  # fmt: skip
