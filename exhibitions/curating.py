"""Reading exhibitions for the curators' pages: lists, pickers, the composer's summary."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.languages import REFERENCE_LANGUAGE
from archive.models import Place, PlaceKind
from archive.vocabulary import places_valid_on
from core.i18n import _, localized
from exhibitions import frameworks, qr
from exhibitions.models import Exhibition, QrTarget
from exhibitions.publishing import readiness, withdrawn_entries


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


def settings_object(exhibition: Exhibition | None):
    """The exhibition's settings as a form's `obj`."""
    if exhibition is None:
        return None
    values = {
        "version": exhibition.version,
        "code": exhibition.code,
        "venue": exhibition.venue.code if exhibition.venue else "",
        "mode": str(exhibition.mode),
        "opens_on": exhibition.opens_on.isoformat() if exhibition.opens_on else "",
        "closes_on": exhibition.closes_on.isoformat() if exhibition.closes_on else "",
        "primary_language": exhibition.primary_language,
        "languages": ", ".join(exhibition.languages or []),
        "fallback_chain": ", ".join(exhibition.fallback_chain or []),
        "is_framework": exhibition.is_framework,
    }
    return type("ExhibitionSettings", (), values)


def exhibition_texts(exhibition: Exhibition | None) -> dict:
    """Title and introduction per language, as the settings form shows them."""
    if exhibition is None:
        return {}
    return {t.lang: {"title": t.title, "introduction": t.introduction or "", "state": str(t.state)}
            for t in exhibition.texts}  # fmt: skip


def languages_to_edit(exhibition: Exhibition | None, texts: dict) -> list[str]:
    """A tab per language: the exhibition's, then any other that already has text."""
    wanted = exhibition.all_languages if exhibition else [REFERENCE_LANGUAGE]
    return list(dict.fromkeys([*wanted, *(texts or {})]))


def errors_by_field(errors: list) -> dict:
    """Messages grouped by field name, for showing each beside its field."""
    grouped: dict = {}
    for name, message in errors:
        grouped.setdefault(name or "", []).append(message)
    return grouped


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
        "differences": [d for d in frameworks.differences(session, exhibition) if d.from_framework],
        "derived": list(session.scalars(select(Exhibition).where(Exhibition.derived_from_id == exhibition.id))),
    }
