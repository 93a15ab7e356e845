"""Pages of results: the page object both domains return, reading a page number from outside, and keyset
pages reached through a signed cursor.

A page by number costs an SQL OFFSET, which reads and throws away every row before it: page 2,000 of a big
archive reads 40,000 rows. A cursor names the last row shown by its sort key instead, so the next page starts
from there through an index, at the cost of the first page's. Cursors are signed with the app's secret and
tied to one listing: a client can follow them, never forge or move one to another list.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, request
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import literal, tuple_

from core.errors import ValidationError, VitrineError
from core.i18n import _
from core.urls import public_url

MAX_PER_PAGE = 100
# Bounded so that an SQL OFFSET stays a 64-bit integer.
MAX_PAGE = 1_000_000
# Ranked search results page by number (an engine ranks every hit anyway), down to here: 200,000 hits at 20 a page.
MAX_SEARCH_PAGE = 10_000
# A cursor holds a direction, a sort key and an id: well under this, whatever the key.
MAX_CURSOR_CHARS = 200
AFTER, BEFORE = "a", "b"  # the rows after the named one (the next page), or before it (the previous page)


@dataclass
class Page:
    """One page of results, with what a pager needs; `page` is None on a page reached by cursor."""

    items: list
    total: int
    page: int | None
    per_page: int
    next_cursor: str | None = None  # the page after this one, if there are more rows
    prev_cursor: str | None = None  # the page before this one, if it is not the first

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def parse_page(value, default: int = 1, max_page: int = MAX_PAGE) -> int:
    """A page number from a query string; bad or out-of-range values are refused with a message."""
    if value in (None, ""):
        return default
    try:
        page = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("The page must be a whole number."), field="page") from None
    if page < 1:
        raise ValidationError(_("The page must be 1 or more."), field="page")
    if page > max_page:
        raise ValidationError(_("The page must be at most %(max)s.", max=max_page), field="page")
    return page


def bounded_per_page(per_page: int) -> int:
    """A page size within 1 and MAX_PER_PAGE."""
    return min(max(1, per_page), MAX_PER_PAGE)


class BadCursor(VitrineError):
    """A cursor we did not make for this list (or asked with a page number besides): 400, naming `cursor`."""

    status = 400
    code = "invalid_cursor"

    def __init__(self, message):
        super().__init__(message, field="cursor")


# --- Keyset pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: after (or before) the row whose sort key is `key`."""

    direction: str  # AFTER or BEFORE
    key: tuple


def _serializer(listing: str) -> URLSafeSerializer:
    # The salt ties a cursor to its listing: an exhibitions cursor is no cursor of items.
    return URLSafeSerializer(current_app.secret_key, salt=f"vitrine.cursor.{listing}")


def _plain(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _typed(value):
    if isinstance(value, dict) and len(value) == 1:
        (kind, text), = value.items()  # fmt: skip
        return datetime.fromisoformat(text) if kind == "t" else date.fromisoformat(text)
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def encode_cursor(listing: str, cursor: Cursor) -> str:
    """The opaque, signed text of a cursor of `listing` (items, exhibitions …) for a URL."""
    return _serializer(listing).dumps([cursor.direction, [_plain(v) for v in cursor.key]])


def parse_cursor(listing: str, text: str | None, key_size: int) -> Cursor | None:
    """The cursor a client sent back (None when none was), or a 400 naming `cursor` when it is not one we made."""
    if text in (None, ""):
        return None
    if len(text) > MAX_CURSOR_CHARS:
        raise BadCursor(_("This cursor is too long: follow the links of the answers."))
    try:
        direction, key = _serializer(listing).loads(text)
        key = tuple(_typed(v) for v in key)
        if direction not in (AFTER, BEFORE) or len(key) != key_size:
            raise ValueError(direction)
    except (BadData, TypeError, ValueError):
        raise BadCursor(_("This cursor is not valid here: start again from the first page.")) from None
    return Cursor(direction, key)


def keyset_page(session, query, order: tuple, key_of, listing: str, per_page: int, cursor: Cursor | None,
                total: int) -> Page:  # fmt: skip
    """The page of `query` (not yet ordered) after or before `cursor`, in `order` — expressions sorted newest
    first, the last one unique — read through an index that covers them; `key_of(row)` is a row's sort key."""
    backwards = cursor is not None and cursor.direction == BEFORE
    query_without_cursor = query
    if cursor is not None:
        position, there = tuple_(*order), tuple_(*(literal(v, o.type) for v, o in zip(cursor.key, order, strict=True)))
        query = query.where(position > there if backwards else position < there)
    ordered = query.order_by(*(o.asc() if backwards else o.desc() for o in order)).limit(per_page + 1)
    rows = list(session.scalars(ordered))
    more = len(rows) > per_page  # beyond this page in the direction of travel
    rows = rows[:per_page]
    if backwards and not more:  # back at the start: the first page, full even if rows were added above it
        return keyset_page(session, query_without_cursor, order, key_of, listing, per_page, None, total)
    if backwards:
        rows.reverse()
    page = Page(rows, total, None if cursor else 1, per_page)
    if rows:
        after = encode_cursor(listing, Cursor(AFTER, key_of(rows[-1])))
        before = encode_cursor(listing, Cursor(BEFORE, key_of(rows[0])))
        # Coming from a page, that page is still there to go back to (unless rows were deleted meanwhile).
        page.next_cursor = after if more or backwards else None
        page.prev_cursor = before if cursor is not None else None
    return page


def offset_page(session, query, order: tuple, key_of, listing: str, page: int, per_page: int, total: int) -> Page:
    """Page `page` of `query` by OFFSET, as clients of `page=` expect, with the cursors on from it."""
    ordered = query.order_by(*(o.desc() for o in order)).limit(per_page).offset((page - 1) * per_page)
    rows = list(session.scalars(ordered))
    result = Page(rows, total, page, per_page)
    if rows and page * per_page < total:
        result.next_cursor = encode_cursor(listing, Cursor(AFTER, key_of(rows[-1])))
    if rows and page > 1:
        result.prev_cursor = encode_cursor(listing, Cursor(BEFORE, key_of(rows[0])))
    return result


def page_fields(page: Page) -> dict:
    """What an API list answer says of its page: counts, and `links` to the pages before and after it by
    cursor (this request's address, its other arguments kept, absolute from the base URL)."""
    args = {key: values for key, values in request.args.to_dict(flat=False).items() if key not in ("page", "cursor")}

    def link(cursor: str | None) -> str | None:
        return public_url(request.endpoint, **(request.view_args or {}), **args, cursor=cursor) if cursor else None

    return {"total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages,
            "links": {"next": link(page.next_cursor), "prev": link(page.prev_cursor)}}  # fmt: skip


def one_way(page: int | None, cursor: str | None) -> None:
    """Refuse a request that names both a page number and a cursor: which one it meant cannot be told."""
    if page is not None and cursor:
        raise BadCursor(_("Give a page number or a cursor, not both."))
