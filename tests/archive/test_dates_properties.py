"""archive.dates.parse_date over any text (hypothesis): a date it reads has sane bounds and reads back the
same; anything else is a ValidationError naming the date field, never another exception."""

import calendar
from datetime import date

import pytest
from hypothesis import strategies as st

from archive.dates import MAX_CHARS, MAX_YEAR, MIN_YEAR, parse_date
from core.errors import ValidationError
from tests.properties import LONG_EXAMPLES, SHORT_EXAMPLES, check

APPROXIMATE = ("c. ", "ca. ", "circa ", "khoảng ", "~")
# Text near what archivists write: digits, separators, the approximate words, marks and anything else.
NEAR_DATES = st.lists(st.sampled_from([*"0123456789-/?. cax~sSX", "khoảng", "circa", "\u0301", "٣", "²"]),
                      max_size=30).map("".join) | st.text(max_size=200)  # fmt: skip


@st.composite
def written_dates(draw):
    """A date as archivists write it, with the first and last days it means."""
    year = draw(st.integers(MIN_YEAR, MAX_YEAR))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        text, start, end = f"{year}", date(year, 1, 1), date(year, 12, 31)
    else:
        month = draw(st.integers(1, 12))
        last = calendar.monthrange(year, month)[1]
        if precision == "month":
            text, start, end = f"{year}-{month:02d}", date(year, month, 1), date(year, month, last)
        else:
            day = draw(st.integers(1, last))
            text, start, end = f"{year}-{month:02d}-{day:02d}", date(year, month, day), date(year, month, day)
    approximate = draw(st.booleans())
    if approximate:
        text = draw(st.sampled_from(APPROXIMATE)) + text
    return text, start, end, approximate


def _reads_or_refuses(text: str) -> None:
    try:
        parsed = parse_date(text)
    except ValidationError as error:
        assert error.field == "date" and error.message
        return
    assert parsed.start.year >= MIN_YEAR and parsed.end.year <= MAX_YEAR + 9
    assert parsed.start <= parsed.end
    assert len(parsed.text) <= MAX_CHARS
    assert parse_date(parsed.text) == parsed


def _reads_as_written(written, other) -> None:
    text, start, end, approximate = written
    parsed = parse_date(f"  {text} ")
    assert (parsed.start, parsed.end, parsed.approximate) == (start, end, approximate)
    second, second_start, second_end, second_approximate = other
    if second_end >= start:
        ranged = parse_date(f"{text}/{second}")
        assert (ranged.start, ranged.end, ranged.approximate) == (start, second_end, approximate or second_approximate)
    else:
        with pytest.raises(ValidationError):
            parse_date(f"{text}/{second}")


def test_any_text_is_read_or_refused():
    check(SHORT_EXAMPLES, NEAR_DATES)(_reads_or_refuses)


def test_dates_as_written_give_their_bounds():
    check(SHORT_EXAMPLES, written_dates(), written_dates())(_reads_as_written)


@pytest.mark.long
def test_any_text_is_read_or_refused_many_times():
    check(LONG_EXAMPLES, NEAR_DATES)(_reads_or_refuses)


@pytest.mark.long
def test_dates_as_written_give_their_bounds_many_times():
    check(LONG_EXAMPLES, written_dates(), written_dates())(_reads_as_written)
