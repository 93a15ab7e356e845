"""What the curators' pages show of exhibitions: the list, the venues to choose, the composer's summary."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.models import Place, PlaceKind
from archive.vocabulary import places_valid_on
from core.i18n import _, localized
from exhibitions import qr
from exhibitions.composing.frameworks import differences
from exhibitions.composing.lifecycle import readiness, withdrawn_entries
from exhibitions.models import Exhibition, QrTarget


def staff_list(session) -> list[Exhibition]:
    """Every exhibition, frameworks first, then newest."""
    query = select(Exhibition).options(selectinload(Exhibition.texts), selectinload(Exhibition.venue))
    return sorted(session.scalars(query), key=lambda e: (not e.is_framework, -(e.id or 0)))


def venue_choices(session) -> list[tuple[str, str]]:
    """Current provinces and cities, then venues abroad: an exhibition opens now, under today's names."""
    home = places_valid_on(session, date.today(), kinds=(PlaceKind.PROVINCE, PlaceKind.CITY))
    abroad = sorted(session.scalars(select(Place).where(Place.kind == PlaceKind.ABROAD)),
                    key=lambda p: localized(p.names))  # fmt: skip
    return [("", _("— none —"))] + [(p.code, localized(p.names)) for p in [*home, *abroad]]


def composer_summary(session, exhibition: Exhibition) -> dict:
    """What the composer shows beside the sections: warnings, readiness, codes and scans, the framework."""
    links = qr.links_of(session, exhibition)
    counts = qr.scan_counts(session, exhibition)
    codes = {(str(link.target), link.target_id): link for link in links if link.lang is None}
    found = readiness(exhibition)
    return {
        "withdrawn": withdrawn_entries(exhibition),
        "errors": len(found.errors),
        "warnings": len(found.warnings),
        "codes": codes,
        "scans": counts,
        "total_scans": sum(counts.values()),
        "exhibition_code": codes.get((str(QrTarget.EXHIBITION), None)),
        "books": [link for link in links if link.target == QrTarget.EBOOK],
        "differences": [d for d in differences(session, exhibition) if d.from_framework],
        "derived": list(session.scalars(select(Exhibition).where(Exhibition.derived_from_id == exhibition.id))),
        # Entry id → codes printed for it before a renumber, which still lead to it.
        "aliases": qr.printed_aliases(exhibition),
        "printed": len(exhibition.printed_codes),
    }
