"""The period a report covers: one calendar year, or every year the archive holds."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from archive.models import Item
from exhibitions.models import DownloadDay, Exhibition, QrScanDay


@dataclass(frozen=True)
class Period:
    """One calendar year, or every year when `year` is None."""

    year: int | None = None

    def __contains__(self, day: date | None) -> bool:
        return self.year is None or (day is not None and day.year == self.year)

    @property
    def slug(self) -> str:
        """The period in a file name: `2025`, or `all`."""
        return str(self.year) if self.year else "all"

    def day_range(self) -> tuple[date, date] | None:
        """The first and last day of the year; None for every year."""
        return (date(self.year, 1, 1), date(self.year, 12, 31)) if self.year else None

    def instant_range(self, timezone: str) -> tuple[datetime, datetime] | None:
        """The year in the programme's time zone as UTC instants [start, end), for timestamps."""
        if self.year is None:
            return None
        zone = ZoneInfo(timezone)
        # In UTC: SQLite keeps timestamps as UTC wall time and drops a comparand's offset.
        start, end = datetime(self.year, 1, 1, tzinfo=zone), datetime(self.year + 1, 1, 1, tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def parse_period(raw: str | None, years: list[int]) -> Period:
    """The period a `?year=` asks for; every year for anything but one of `years`."""
    text = (raw or "").strip()
    return Period(int(text)) if text.isascii() and text.isdigit() and int(text) in years else Period()


def report_years(session, today: date) -> list[int]:
    """Every year from the first with data to the last with data or this year, whichever is later."""
    firsts = [
        session.scalar(select(func.min(Item.created_at))),
        session.scalar(select(func.min(Exhibition.opens_on))),
        session.scalar(select(func.min(QrScanDay.day))),
        session.scalar(select(func.min(DownloadDay.day))),
    ]
    lasts = [session.scalar(select(func.max(Exhibition.opens_on))), session.scalar(select(func.max(QrScanDay.day)))]
    first = min([value.year for value in firsts if value] + [today.year])
    last = max([value.year for value in lasts if value] + [today.year])
    return list(range(first, last + 1))
