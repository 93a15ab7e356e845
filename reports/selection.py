"""What a report counts, in one place: which items and exhibitions fall in a period.

Items count in the year they were entered into the archive. Exhibitions count once published
(archived ones too: they were shown), in the year they open, or for one without an opening
date (online only) the year it was published. Drafts never count.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.models import Item
from exhibitions.models import Exhibition, ExhibitionStatus
from reports.period import Period

SHOWN = (ExhibitionStatus.PUBLISHED, ExhibitionStatus.ARCHIVED)


def item_conditions(period: Period, timezone: str) -> list:
    """Conditions on Item for the items a period covers: those entered during the year."""
    bounds = period.instant_range(timezone)
    return [Item.created_at >= bounds[0], Item.created_at < bounds[1]] if bounds else []


def exhibition_day(exhibition: Exhibition) -> date | None:
    """The day an exhibition counts from: its opening, else its publication."""
    if exhibition.opens_on:
        return exhibition.opens_on
    return exhibition.published_at.date() if exhibition.published_at else None


def shown_exhibitions(session, period: Period) -> list[Exhibition]:
    """The published and archived exhibitions of the period, with their venues and texts, by day and code."""
    query = (
        select(Exhibition)
        .where(Exhibition.status.in_(SHOWN))
        .options(selectinload(Exhibition.venue), selectinload(Exhibition.texts))
    )
    found = [e for e in session.scalars(query) if exhibition_day(e) in period]
    return sorted(found, key=lambda e: (exhibition_day(e) or date.min, e.code))
