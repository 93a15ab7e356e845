"""Pages of results: the page object both domains return, and reading a page number from outside."""

import math
from dataclasses import dataclass

from core.errors import ValidationError
from core.i18n import _

MAX_PER_PAGE = 100
# Bounded so that an SQL OFFSET stays a 64-bit integer.
MAX_PAGE = 1_000_000


@dataclass
class Page:
    """One page of results, with what a pager needs."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def parse_page(value, default: int = 1) -> int:
    """A page number from a query string; bad or out-of-range values are refused with a message."""
    if value in (None, ""):
        return default
    try:
        page = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("The page must be a whole number."), field="page") from None
    if page < 1:
        raise ValidationError(_("The page must be 1 or more."), field="page")
    if page > MAX_PAGE:
        raise ValidationError(_("The page must be at most %(max)s.", max=MAX_PAGE), field="page")
    return page


def bounded_per_page(per_page: int) -> int:
    """A page size within 1 and MAX_PER_PAGE."""
    return min(max(1, per_page), MAX_PER_PAGE)
