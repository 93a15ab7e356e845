"""Items by type, contributing body and status, for the items entered in a period."""

from archive.models import ItemStatus, ItemType
from reports.holdings import item_holdings
from reports.period import Period
from tests.reports.conftest import TIMEZONE


def test_items_by_type_body_and_status(db_session, make_item, published_item, entered):
    entered(make_item(type="photo", body="ttxvn"), 2025)
    entered(make_item(type="photo", body="ttxvn"), 2025)
    entered(published_item(type="document", body="bnv"), 2025)
    entered(published_item(type="poster"), 2025)
    entered(published_item(type="photo", body="bnv"), 2024)

    every = item_holdings(db_session, Period(), TIMEZONE)
    assert every.total == 5 and every.by_status[ItemStatus.PUBLISHED] == 3 and every.by_status[ItemStatus.DRAFT] == 2
    by_type = {row.key: row.by_status for row in every.by_type}
    assert list(by_type) == list(ItemType)  # every type, in the form's order, zeros included
    assert by_type[ItemType.PHOTO] == {ItemStatus.DRAFT: 2, ItemStatus.REVIEW: 0, ItemStatus.PUBLISHED: 1,
                                       ItemStatus.WITHDRAWN: 0}  # fmt: skip
    assert [(row.key.code if row.key else None, row.total) for row in every.by_body] == [
        ("bnv", 2), ("ttxvn", 2), (None, 1)]  # fmt: skip

    in_2025 = item_holdings(db_session, Period(2025), TIMEZONE)
    assert in_2025.total == 4 and [(r.key.code if r.key else None, r.total) for r in in_2025.by_body] == [
        ("ttxvn", 2), ("bnv", 1), (None, 1)]  # fmt: skip
    assert item_holdings(db_session, Period(2023), TIMEZONE).total == 0
