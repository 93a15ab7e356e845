"""Datestamps: UTC, to the second, as the repository's granularity says; `from`/`until` accepted to the day or
to the second, as the protocol requires of a repository whose granularity is seconds."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from core.db import utcnow

GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class BadDate(ValueError):
    """A `from` or `until` the protocol does not allow; its message says why."""


@dataclass(frozen=True)
class Bound:
    """A parsed `from` or `until`: the instant it stands for, and whether it was given to the day."""

    at: datetime
    day: bool


def now() -> datetime:
    """This second, in UTC: the clock datestamps and responseDate read."""
    return utcnow().replace(microsecond=0)


def as_utc(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives them back naive, in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_datestamp(value: datetime) -> str:
    """`2026-12-01T10:00:00Z`."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_bound(text: str, name: str, upper: bool) -> Bound:
    """A `from` (upper False: the day's first second) or `until` (upper True: its last second)."""
    try:
        if _DAY.fullmatch(text):
            day = datetime.strptime(text, "%Y-%m-%d").date()
            return Bound(datetime.combine(day, time.max if upper else time.min, UTC).replace(microsecond=0), True)
        if _SECONDS.fullmatch(text):
            return Bound(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False)
    except ValueError:
        pass
    raise BadDate(f"The '{name}' argument '{text[:40]}' is not a UTC date (YYYY-MM-DD) or datetime "
                  f"(YYYY-MM-DDThh:mm:ssZ).")  # fmt: skip


def parse_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """The instants of `from` and `until`; BadDate when one is malformed, their granularities differ, or
    `from` is later than `until`."""
    lower = parse_bound(start, "from", upper=False) if start is not None else None
    upper = parse_bound(end, "until", upper=True) if end is not None else None
    if lower and upper:
        if lower.day != upper.day:
            raise BadDate("The 'from' and 'until' arguments must have the same granularity.")
        if lower.at > upper.at:
            raise BadDate("The 'from' argument must not be later than the 'until' argument.")
    return (lower.at if lower else None), (upper.at if upper else None)


def plus_hours(value: datetime, hours: float) -> datetime:
    return value + timedelta(hours=hours)
