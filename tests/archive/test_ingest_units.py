"""An import writes in units of its own (core.uow): a crash leaves no lock, and no setting is borrowed."""

import pytest
from sqlalchemy import select

from archive import ingest
from archive.models import Item
from archive.services import create_item
from core.auth import User
from core.search import pending_count
from core.uow import unit

ROWS = [(n + 2, {"reference_code": f"U-{n}", "type": "photo", "title_vi": f"Ảnh {n}"}) for n in range(4)]


@pytest.fixture
def impatient_app(app_config, request):
    """Writers give up after 0.3 s: a lock left behind shows as an error, not a 30 s wait."""
    app_config["SQLITE_BUSY_TIMEOUT_MS"] = 300
    return request.getfixturevalue("app")


def test_a_crash_mid_import_leaves_no_lock_behind(impatient_app, db_session, make_user, monkeypatch):
    user_id = make_user("archivist").id
    db_session.commit()
    monkeypatch.setattr(ingest, "BATCH_SIZE", 2)
    real, calls = ingest.create_items, []

    def crash_on_the_second_batch(session, user, drafts):
        calls.append(1)
        ids = real(session, user, drafts)
        if len(calls) == 2:
            raise RuntimeError("the disk filled up")  # after the inserts, before the commit
        return ids

    monkeypatch.setattr(ingest, "create_items", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        ingest.import_rows(None, user_id, ROWS, ingest.FileSource("."), False)
    with unit("the next writer") as session:  # would wait for a lock a crashed unit kept, then fail
        create_item(session, session.get(User, user_id), {"reference_code": "NEXT", "type": "photo"})
    with unit("count", write=False) as session:
        codes = session.scalars(select(Item.reference_code).order_by(Item.id)).all()
    assert codes == ["U-0", "U-1", "NEXT"]


def test_an_import_borrows_no_setting_of_the_app(app, db_session, make_user, monkeypatch):
    app.config["SEARCH_APPLY"] = "inline"
    user_id = make_user("archivist").id
    db_session.commit()
    seen, real = [], ingest.create_items

    def watch(session, user, drafts):
        seen.append(app.config["SEARCH_APPLY"])
        return real(session, user, drafts)

    monkeypatch.setattr(ingest, "create_items", watch)
    ingest.import_rows(None, user_id, ROWS, ingest.FileSource("."), False)
    assert seen == ["inline"] and app.config["SEARCH_APPLY"] == "inline"
    assert pending_count() == 0  # indexed once, at the end
