"""Items by type, contributing body and status, for the items entered in a period."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from archive.models import Body, Item, ItemStatus, ItemType
from reports.period import Period
from reports.selection import item_conditions


@dataclass(frozen=True)
class Row:
    """Items of one type or one body, by status."""

    key: object  # an ItemType, a Body, or None (items without a body)
    by_status: dict[ItemStatus, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class Holdings:
    """The period's items by type, by contributing body (most first) and by status."""

    by_type: list[Row]
    by_body: list[Row]
    by_status: dict[ItemStatus, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def item_holdings(session, period: Period, timezone: str) -> Holdings:
    """Count the period's items by type, body and status in one grouped query."""
    query = (
        select(Item.type, Item.body_id, Item.status, func.count())
        .where(*item_conditions(period, timezone))
        .group_by(Item.type, Item.body_id, Item.status)
    )
    by_type = {kind: dict.fromkeys(ItemStatus, 0) for kind in ItemType}
    by_body = defaultdict(lambda: dict.fromkeys(ItemStatus, 0))
    by_status = dict.fromkeys(ItemStatus, 0)
    for kind, body_id, status, count in session.execute(query):
        by_type[kind][status] += count
        by_body[body_id][status] += count
        by_status[status] += count
    bodies = {b.id: b for b in session.scalars(select(Body).where(Body.id.in_([i for i in by_body if i])))}
    body_rows = [Row(bodies.get(body_id), counts) for body_id, counts in by_body.items()]
    body_rows.sort(key=lambda row: (-row.total, row.key is None, row.key.code if row.key else ""))
    return Holdings([Row(kind, counts) for kind, counts in by_type.items()], body_rows, by_status)
