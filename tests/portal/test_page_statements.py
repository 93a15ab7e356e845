"""The SQL statements of a public page made afresh are a handful per kind of thing it shows, whatever their number:
an item's files, terms and related items, an exhibition's sections and panels never add a statement each (an N+1
would). On both databases: their loaders differ."""

import pytest
from sqlalchemy import event

from archive.models import MediaFile, MediaJob
from core.db import db
from exhibitions.composing import add_entry, publish

ITEM_PAGE_MOST = 14
EXHIBITION_PAGE_MOST = 18


@pytest.fixture
def app_config(app_config):
    return app_config | {"MEDIA_JOBS": "worker"}  # the files' jobs stay queued: the page says previews are coming


def statements(app, client, path: str) -> int:
    """How many statements one request of `path` runs (after one request that warmed the process)."""
    assert client.get(path).status_code == 200
    counted = []

    def count(*_args):
        counted.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path, headers={"Accept-Language": "vi"}).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(counted)


def _with_files(db_session, item, count: int):
    # Rows as an upload leaves them before its previews are made (the upload itself is archive's to test).
    for n in range(count):
        media = MediaFile(item_id=item.id, sha256=f"{item.id:032d}{n:032d}", size=100, mime_type="image/png",
                          original_name=f"anh-{n}.png", position=n)  # fmt: skip
        media.jobs.append(MediaJob())
        db_session.add(media)
    db_session.commit()
    return item


def test_an_items_page_reads_as_much_for_one_file_term_and_neighbour_as_for_many(
    app,
    client,
    db_session,
    curator,
    published_item,
    make_exhibition,
):
    small = _with_files(db_session, published_item(terms=["ICCPR"]), 1)
    published_item(terms=["ICCPR"])
    big = _with_files(db_session, published_item(terms=["ICCPR", "CRC", "CEDAW"], body="bngg"), 3)
    for terms in (["CRC"], ["CEDAW", "CRC"]):
        published_item(terms=terms)
    for shown in ([small, big], [big]):  # the big one in two exhibitions
        exhibition = make_exhibition(sections=1, entries=0)
        for item in shown:
            add_entry(db_session, curator, exhibition.sections[0], item.id)
        publish(db_session, curator, exhibition)
        db_session.commit()
    few, many = statements(app, client, f"/items/{small.id}"), statements(app, client, f"/items/{big.id}")
    assert many == few <= ITEM_PAGE_MOST


def test_an_exhibitions_page_reads_as_much_for_one_panel_as_for_four(app, client, db_session, curator,
                                                                     make_exhibition):  # fmt: skip
    pages = []
    for sections, entries in ((1, 1), (2, 2)):
        exhibition = make_exhibition(sections=sections, entries=entries)
        publish(db_session, curator, exhibition)
        db_session.commit()
        pages.append(statements(app, client, f"/exhibitions/{exhibition.id}"))
    assert pages[1] == pages[0] <= EXHIBITION_PAGE_MOST
