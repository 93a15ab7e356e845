"""Lists read by cursor (core.pagination.keyset_page): every row once, in order, whatever is added meanwhile;
the API's `links`, and cursors refused when they are not ours."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from archive.models import Item, ItemStatus, ItemType
from archive.queries import list_items
from core.pagination import AFTER, Cursor, encode_cursor
from exhibitions.models import Exhibition
from exhibitions.reading.listing import list_exhibitions

API = "/api/v1"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def add_items(db_session):
    """Factory: published items inserted at once, changed at the given times; their ids in that order."""
    made = {"n": 0}

    def add(times: list[datetime], status=ItemStatus.PUBLISHED) -> list[int]:
        rows = []
        for at in times:
            made["n"] += 1
            rows.append({"reference_code": f"KEYSET-{made['n']:04d}", "type": ItemType.PHOTO, "status": status,
                         "version": 1, "created_at": at, "updated_at": at})  # fmt: skip
        db_session.execute(insert(Item), rows)
        db_session.commit()
        codes = [row["reference_code"] for row in rows]
        ids = dict(db_session.execute(select(Item.reference_code, Item.id).where(Item.reference_code.in_(codes))).all())
        return [ids[code] for code in codes]

    return add


def newest_first(db_session, ids) -> list[int]:
    """The ids in the lists' order, worked out in Python: latest change first, the higher id first on a tie."""
    rows = db_session.execute(select(Item.id, Item.updated_at).where(Item.id.in_(ids))).all()
    return [row.id for row in sorted(rows, key=lambda row: (row.updated_at, row.id), reverse=True)]


def test_a_walk_by_cursor_meets_every_item_once_in_order_while_items_are_added(db_session, add_items):
    # Three share one time, so only the id orders them; a draft stays out of the public's walk.
    times = [START + timedelta(minutes=n) for n in range(8)] + [START + timedelta(minutes=3)] * 3
    there = add_items(times)
    add_items([START + timedelta(minutes=5)], status=ItemStatus.DRAFT)
    expected = newest_first(db_session, there)
    pages, cursor = [], None
    while True:
        page = list_items(db_session, {}, per_page=3, public=True, cursor=cursor)
        pages.append(page)
        add_items([datetime.now(UTC)])  # newer than all: they go above the walk, never into it
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [item.id for page in pages for item in page.items] == expected
    assert [len(page.items) for page in pages] == [3, 3, 3, 2]
    assert pages[0].page == 1 and pages[0].prev_cursor is None and all(p.page is None for p in pages[1:])
    # Back again: each page's previous is the page before it, then the items added, then a full first page.
    for before, page in zip(pages[:-1], pages[1:], strict=True):
        back = list_items(db_session, {}, per_page=3, public=True, cursor=page.prev_cursor)
        assert [item.id for item in back.items] == [item.id for item in before.items]
        assert back.next_cursor is not None and back.prev_cursor is not None
    back = list_items(db_session, {}, per_page=3, public=True, cursor=pages[1].prev_cursor)  # the first page's
    added = list_items(db_session, {}, per_page=3, public=True, cursor=back.prev_cursor)  # 3 of the 4 added
    start = list_items(db_session, {}, per_page=3, public=True, cursor=added.prev_cursor)  # 1 left: the start
    assert (added.page, len(added.items), start.page, start.prev_cursor, len(start.items)) == (None, 3, 1, None, 3)
    assert start.items[-1].updated_at > pages[0].items[0].updated_at


def test_a_page_number_gives_the_same_page_and_cursors_on_from_it(db_session, add_items):
    there = add_items([START + timedelta(minutes=n) for n in range(7)])
    expected = newest_first(db_session, there)
    second = list_items(db_session, {}, page=2, per_page=3, public=True)
    assert [item.id for item in second.items] == expected[3:6]
    following = list_items(db_session, {}, per_page=3, public=True, cursor=second.next_cursor)
    assert [item.id for item in following.items] == expected[6:] and following.next_cursor is None
    back = list_items(db_session, {}, per_page=3, public=True, cursor=second.prev_cursor)
    assert [item.id for item in back.items] == expected[:3] and back.page == 1


def test_exhibitions_walk_latest_opening_first_and_undated_last(db_session, make_exhibition):
    dates = ["2026-05-01", None, "2026-09-01", "2026-05-01", None]
    made = [make_exhibition(sections=0, opens_on=d, closes_on=None).id for d in dates]
    rows = db_session.execute(select(Exhibition.id, Exhibition.opens_on).where(Exhibition.id.in_(made))).all()
    expected = [r.id for r in sorted(rows, key=lambda r: (r.opens_on is not None, r.opens_on or 0, r.id), reverse=True)]
    walked, cursor = [], None
    while True:
        page = list_exhibitions(db_session, {}, 1, 2, public=False, cursor=cursor)
        walked += [e.id for e in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert walked == expected


def test_the_api_links_walk_the_list_keeping_its_filters(client, app, db_session, add_items):
    there = add_items([START + timedelta(minutes=n) for n in range(5)])
    db_session.execute(update(Item).where(Item.id == there[0]).values(type=ItemType.DOCUMENT))
    db_session.commit()
    photos = [i for i in newest_first(db_session, there) if i != there[0]]
    body = client.get(f"{API}/items?per_page=2&type=photo").json
    assert (body["page"], body["total"], body["links"]["prev"]) == (1, 4, None)
    walked = [i["id"] for i in body["items"]]
    base = app.config["BASE_URL"]
    while body["links"]["next"]:
        assert body["links"]["next"].startswith(f"{base}{API}/items?") and "type=photo" in body["links"]["next"]
        body = client.get(body["links"]["next"].removeprefix(base)).json
        assert body["page"] is None and body["links"]["prev"]
        walked += [i["id"] for i in body["items"]]
    assert walked == photos


@pytest.mark.one_database
@pytest.mark.parametrize("path", [f"{API}/items", f"{API}/exhibitions"])
def test_the_api_refuses_cursors_it_did_not_make_naming_the_cursor(app, client, path):
    listing, other = ("items", "exhibitions") if path.endswith("items") else ("exhibitions", "items")
    with app.test_request_context():
        valid = encode_cursor(listing, Cursor(AFTER, (START if listing == "items" else START.date(), 1)))
        elsewhere = encode_cursor(other, Cursor(AFTER, (START, 1)))
    tampered = valid[:-3] + ("AAA" if not valid.endswith("AAA") else "BBB")
    for query in ("cursor=abc", f"cursor={tampered}", f"cursor={elsewhere}", f"cursor={'x' * 300}",
                  f"page=2&cursor={valid}"):  # fmt: skip
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (query, response.get_data(as_text=True))
        assert (response.json["error"]["code"], response.json["error"]["field"]) == ("invalid_cursor", "cursor")
        assert response.json["error"]["message"]
    assert client.get(f"{path}?cursor={valid}").status_code == 200


@pytest.mark.one_database
def test_the_staff_list_pages_by_cursor(login_as, add_items):
    add_items([START + timedelta(minutes=n) for n in range(30)])
    staff, _user = login_as("archivist")
    first = staff.get("/staff/items").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="prev"' not in first
    next_url = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "cursor=" in next_url and "page=" not in next_url
    second = staff.get(next_url).get_data(as_text=True)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "KEYSET-0001" in second  # the oldest, on the last page
    assert staff.get("/staff/items?cursor=nonsense").status_code == 400


@pytest.mark.one_database
def test_search_pages_stop_at_the_stated_depth(client):
    assert client.get("/items?q=quyen&page=10000").status_code == 200
    assert client.get("/items?q=quyen&page=10001").status_code == 422
