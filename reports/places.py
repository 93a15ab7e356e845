"""Exhibitions per province — out of the 34 units in force since 1 July 2025, and out of the 63
before it for the exhibitions that opened earlier — and abroad.

A venue is a place record with validity dates and a successor (archive.reference): Kiên Giang
(until 30 June 2025) → An Giang; Thừa Thiên Huế (until 31 December 2024) → Huế, a rename. Each
exhibition is mapped along those links to the unit in force today, and, when it opened before
the reorganisation, to the unit in force on its last day.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from archive.models import Place, PlaceKind
from archive.reference import REORGANISATION_DAY
from exhibitions.models import Exhibition
from reports.selection import exhibition_day

LAST_DAY_OF_63 = REORGANISATION_DAY - timedelta(days=1)
PROVINCIAL = (PlaceKind.PROVINCE, PlaceKind.CITY)


@dataclass
class PlaceRow:
    """A unit (or a venue abroad), the records folded into it, and the exhibitions held there."""

    place: Place
    folded: list[Place] = field(default_factory=list)  # old units merged into it, or its former names
    exhibitions: list[Exhibition] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.exhibitions)


@dataclass(frozen=True)
class Coverage:
    """Every unit of one map with its exhibitions, and how many units had at least one."""

    rows: list[PlaceRow]

    @property
    def covered(self) -> int:
        return sum(1 for row in self.rows if row.count)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def exhibitions(self) -> int:
        return sum(row.count for row in self.rows)


@dataclass(frozen=True)
class PlaceFigures:
    current: Coverage  # the 34, every exhibition of the period
    before: Coverage  # the 63, the exhibitions that opened before 1 July 2025
    abroad: list[PlaceRow]
    unplaced: list[Exhibition]  # without a venue
    unmapped: list[Exhibition]  # opened before the reorganisation at a unit formed by it


class PlaceGraph:
    """The places with their successor links, walked to find the unit a venue stood for on a day."""

    def __init__(self, places: list[Place]):
        self.places = places
        self.predecessors = defaultdict(list)
        for place in places:
            if place.successor_id:
                self.predecessors[place.successor_id].append(place)
        self.by_id = {place.id: place for place in places}

    def current_unit(self, place: Place) -> Place:
        """The unit in force today that `place` became (itself if it still is)."""
        seen = set()
        while place.valid_to is not None and place.successor_id in self.by_id and place.id not in seen:
            seen.add(place.id)
            place = self.by_id[place.successor_id]
        return place

    def unit_on(self, place: Place, day: date) -> Place | None:
        """The unit of `place`'s line in force on `day`: a successor if it ended before, its one
        predecessor if it began after; None when that is ambiguous (it was formed by a merger)."""
        seen = set()
        while not place.valid_on(day) and place.id not in seen:
            seen.add(place.id)
            if place.valid_to is not None and place.valid_to < day and place.successor_id in self.by_id:
                place = self.by_id[place.successor_id]
                continue
            earlier = [
                p for p in self.predecessors[place.id] if p.valid_to is not None and p.valid_to < place.valid_from
            ]
            if len(earlier) != 1:
                return None
            place = earlier[0]
        return place if place.valid_on(day) else None


def _coverage(units: list[Place], folded: dict[int, list[Place]], assigned: dict[int, list[Exhibition]]) -> Coverage:
    rows = [PlaceRow(unit, folded.get(unit.id, []), assigned.get(unit.id, [])) for unit in units]
    rows.sort(key=lambda row: (-row.count, row.place.code))
    return Coverage(rows)


def place_figures(session, exhibitions: list[Exhibition], today: date) -> PlaceFigures:
    """Map each exhibition to its province today, to its province before 2025 if it opened then, or abroad."""
    graph = PlaceGraph(list(session.scalars(select(Place))))
    provincial = [p for p in graph.places if p.kind in PROVINCIAL]
    current = [p for p in provincial if p.valid_on(today) and p.valid_to is None]
    before = [p for p in provincial if p.valid_on(LAST_DAY_OF_63)]
    in_current, in_before, abroad = defaultdict(list), defaultdict(list), defaultdict(list)
    unplaced, unmapped = [], []
    for exhibition in exhibitions:
        venue = exhibition.venue
        if venue is None:
            unplaced.append(exhibition)
        elif venue.kind == PlaceKind.ABROAD:
            abroad[venue.id].append(exhibition)
        else:
            in_current[graph.current_unit(venue).id].append(exhibition)
            day = exhibition_day(exhibition)
            if day is not None and day < REORGANISATION_DAY:
                unit = graph.unit_on(venue, LAST_DAY_OF_63)
                if unit is None:
                    unmapped.append(exhibition)
                else:
                    in_before[unit.id].append(exhibition)
    # What each unit holds of the other map: the 34 list the old units merged into them; the 63,
    # a former name (Thừa Thiên Huế for Huế).
    merged, renamed = defaultdict(list), defaultdict(list)
    for place in provincial:
        if place.valid_to is not None:
            merged[graph.current_unit(place).id].append(place)
            unit = graph.unit_on(place, LAST_DAY_OF_63)
            if unit is not None and unit.id != place.id:
                renamed[unit.id].append(place)
    abroad_rows = [PlaceRow(graph.by_id[place_id], [], found) for place_id, found in abroad.items()]
    abroad_rows.sort(key=lambda row: (-row.count, row.place.code))
    return PlaceFigures(
        _coverage(current, merged, in_current), _coverage(before, renamed, in_before), abroad_rows, unplaced, unmapped
    )
