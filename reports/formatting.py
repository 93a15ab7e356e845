"""Shares and months written in the reader's locale (Babel): `15,3 %` in French, `15,3%` in Vietnamese."""

from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent

from core.i18n import current_language


def percent(fraction: float) -> str:
    """A fraction as a percentage with at most one decimal, in the locale's own pattern."""
    # Rounded first, then printed as it is: the locale's pattern keeps its spacing and sign.
    return format_percent(round(fraction, 3), locale=current_language(), decimal_quantization=False)


def month(value: tuple[int, int]) -> str:
    """A (year, month) as the locale writes a month of a year: `septembre 2025`, `tháng 9, 2025`."""
    return format_skeleton("yMMMM", date(value[0], value[1], 1), locale=current_language())


def number(value: int) -> str:
    """A count in the locale's digits and grouping: `1.234` in Vietnamese, `1 234` in French."""
    return format_decimal(value, locale=current_language())
