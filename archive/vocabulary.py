"""Reading the vocabulary, places and bodies: pickers and lookups in the reader's language."""

from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from archive.models import Body, Place, PlaceKind, Scheme
from archive.reference import REORGANISATION_DAY
from core.i18n import _, localized


def schemes_with_terms(session) -> list[Scheme]:
    """Every scheme with its terms, in their set order."""
    return list(session.scalars(select(Scheme).options(selectinload(Scheme.terms)).order_by(Scheme.position)))


def valid_on(day: date):
    """SQL condition: the place existed under its name on that day (open bounds are unlimited)."""
    return and_(
        Place.valid_from.is_(None) | (Place.valid_from <= day),
        Place.valid_to.is_(None) | (Place.valid_to >= day),
    )


def places_valid_on(session, day: date, kinds=(PlaceKind.PROVINCE, PlaceKind.CITY)) -> list[Place]:
    """Places that existed under their name on that day."""
    query = select(Place).where(Place.kind.in_(kinds), valid_on(day))
    return sorted(session.scalars(query), key=lambda p: localized(p.names))


def place_choices(session) -> dict:
    """Places grouped for a select: current units, units before the 2025 reorganisation, abroad."""
    current = places_valid_on(session, REORGANISATION_DAY)
    current_ids = {p.id for p in current}
    former = [
        p for p in session.scalars(select(Place).where(Place.kind != PlaceKind.ABROAD)) if p.id not in current_ids
    ]
    abroad = session.scalars(select(Place).where(Place.kind == PlaceKind.ABROAD))
    return {
        "": [("", _("— none —"))],
        _("Provinces and cities"): [(p.code, localized(p.names)) for p in current],
        _("Before 1 July 2025"): sorted(((p.code, localized(p.names)) for p in former), key=lambda c: c[1]),
        _("Abroad"): sorted(((p.code, localized(p.names)) for p in abroad), key=lambda c: c[1]),
    }


def body_choices(session) -> list[tuple[str, str]]:
    """Contributing bodies for a select, by name."""
    bodies = sorted(session.scalars(select(Body)), key=lambda b: localized(b.names))
    return [("", _("— none —"))] + [(b.code, localized(b.names)) for b in bodies]


def term_choices(session) -> list[tuple[str, str]]:
    """Every term code with its label, for validating a multi-select."""
    return [(t.code, localized(t.labels)) for s in schemes_with_terms(session) for t in s.terms]
