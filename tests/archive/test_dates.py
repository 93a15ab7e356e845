from datetime import date

import pytest

from archive.dates import parse_date
from core.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "start", "end", "approximate"),
    [
        ("1945", date(1945, 1, 1), date(1945, 12, 31), False),
        ("1945-09", date(1945, 9, 1), date(1945, 9, 30), False),
        ("1945-09-02", date(1945, 9, 2), date(1945, 9, 2), False),
        ("c. 1954", date(1954, 1, 1), date(1954, 12, 31), True),
        ("khoảng 1954", date(1954, 1, 1), date(1954, 12, 31), True),
        ("1954?", date(1954, 1, 1), date(1954, 12, 31), True),
        ("1986/1990", date(1986, 1, 1), date(1990, 12, 31), False),
        ("1945-08/1945-09-02", date(1945, 8, 1), date(1945, 9, 2), False),
        ("1960s", date(1960, 1, 1), date(1969, 12, 31), False),
        ("196x", date(1960, 1, 1), date(1969, 12, 31), False),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), False),
    ],
)
def test_archival_dates_give_sortable_bounds(text, start, end, approximate):
    parsed = parse_date(text)
    assert (parsed.start, parsed.end, parsed.approximate) == (start, end, approximate)


@pytest.mark.parametrize("text", ["1945-13", "1945-02-30", "abc", "45", "1990/1986", "0999", "2101", "1945-9-2x"])
def test_malformed_dates_are_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as caught:
        parse_date(text)
    assert caught.value.field == "date"
    assert caught.value.message
