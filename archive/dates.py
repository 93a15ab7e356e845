"""Archival dates as written (`1945`, `1945-09`, `c. 1954`, `1986/1990`) and their sortable bounds."""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from core.errors import ValidationError
from core.i18n import _

MIN_YEAR, MAX_YEAR = 1000, 2100
# The longest date as written that an item keeps (its column); the longest readable one is shorter.
MAX_CHARS = 40
_APPROX = re.compile(r"^(?:c\.|ca\.|circa|khoảng|~)\s*(.+)$|^(.+?)\s*\?$", re.IGNORECASE)
_DECADE = re.compile(r"^(\d{3})(?:x|0s)$", re.IGNORECASE)
_PRECISE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class DateRange:
    """What a written date means: the first and last day it can be, and whether it is a guess."""

    text: str
    start: date
    end: date
    approximate: bool


def parse_date(text: str) -> DateRange:
    """Read a date as archivists write it; raise ValidationError naming the date field."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise ValidationError(_("The date is empty."), field="date")
    if len(cleaned) > MAX_CHARS:
        raise ValidationError(_("A date is written in at most %(limit)s characters.", limit=MAX_CHARS), field="date")
    if "/" in cleaned:
        first, _sep, last = cleaned.partition("/")
        a, b = _parse_single(first.strip(), cleaned), _parse_single(last.strip(), cleaned)
        if b[1] < a[0]:
            raise ValidationError(_("The date range %(date)s ends before it starts.", date=cleaned), field="date")
        return DateRange(cleaned, a[0], b[1], a[2] or b[2])
    start, end, approximate = _parse_single(cleaned, cleaned)
    return DateRange(cleaned, start, end, approximate)


def _parse_single(part: str, whole: str) -> tuple[date, date, bool]:
    approx = _APPROX.match(part)
    if approx:
        start, end, _ignored = _parse_exact(approx.group(1) or approx.group(2), whole)
        return start, end, True
    return _parse_exact(part, whole)


def _parse_exact(part: str, whole: str) -> tuple[date, date, bool]:
    part = part.strip()
    decade = _DECADE.match(part)
    if decade:
        year = int(decade.group(1)) * 10
        _check_year(year, whole)
        return date(year, 1, 1), date(year + 9, 12, 31), False
    match = _PRECISE.match(part)
    if not match:
        raise ValidationError(
            _(
                "“%(date)s” is not a date we can read. Write it like 1945, 1945-09, 1945-09-02, c. 1954 or 1986/1990.",
                date=whole,
            ),
            field="date",
        )
    year = int(match.group(1))
    _check_year(year, whole)
    if match.group(2) is None:
        return date(year, 1, 1), date(year, 12, 31), False
    month = int(match.group(2))
    if not 1 <= month <= 12:
        raise ValidationError(_("“%(date)s” has no month %(month)s.", date=whole, month=month), field="date")
    last_day = calendar.monthrange(year, month)[1]
    if match.group(3) is None:
        return date(year, month, 1), date(year, month, last_day), False
    day = int(match.group(3))
    if not 1 <= day <= last_day:
        raise ValidationError(_("“%(date)s” has no day %(day)s.", date=whole, day=day), field="date")
    return date(year, month, day), date(year, month, day), False


def _check_year(year: int, whole: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            _("The year in “%(date)s” is outside %(min)s–%(max)s.", date=whole, min=MIN_YEAR, max=MAX_YEAR),
            field="date",
        )
