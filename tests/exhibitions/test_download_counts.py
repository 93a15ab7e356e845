"""Downloads of e-books, catalogues and offline packages are counted per day, language and kind."""

from datetime import date

import pytest
from sqlalchemy import select

from exhibitions.composing import publish
from exhibitions.models import DownloadDay, PublicationKind


@pytest.fixture
def shown(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def _get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    response.close()  # send_file streams the cached file: close it as a browser would
    return response


def _counts(db_session) -> set:
    db_session.rollback()  # end the test's read snapshot to see what the requests wrote
    return {(r.exhibition_id, r.lang, r.kind, r.day, r.count) for r in db_session.scalars(select(DownloadDay))}


def test_whole_downloads_count_and_nothing_personal_is_kept(client, db_session, shown):
    first = _get(client, f"/exhibitions/{shown.id}/book-vi.epub", headers={"User-Agent": "phone"})
    _get(client, f"/exhibitions/{shown.id}/book-vi.epub")
    _get(client, f"/exhibitions/{shown.id}/catalogue-en.pdf")
    _get(client, f"/exhibitions/{shown.id}/offline-en.zip")
    today = date.today()
    assert _counts(db_session) == {(shown.id, "vi", PublicationKind.EPUB, today, 2),
                                   (shown.id, "en", PublicationKind.CATALOGUE, today, 1),
                                   (shown.id, "en", PublicationKind.OFFLINE, today, 1)}  # fmt: skip
    assert {c.name for c in DownloadDay.__table__.columns} == {"exhibition_id", "lang", "kind", "day", "count"}
    # A browser checking its cached copy, a resumed range and a HEAD are not downloads.
    again = _get(client, f"/exhibitions/{shown.id}/book-vi.epub", headers={"If-None-Match": first.headers["ETag"]})
    part = _get(client, f"/exhibitions/{shown.id}/book-vi.epub", headers={"Range": "bytes=0-99"})
    head = client.head(f"/exhibitions/{shown.id}/book-vi.epub")
    head.close()
    assert (again.status_code, part.status_code, head.status_code) == (304, 206, 200)
    assert (shown.id, "vi", PublicationKind.EPUB, today, 2) in _counts(db_session)


def test_a_staff_preview_of_a_draft_is_not_counted(db_session, login_as, make_exhibition):
    draft = make_exhibition(sections=1, entries=1, code="DR26")
    client, _user = login_as("curator")
    assert _get(client, f"/exhibitions/{draft.id}/book-vi.epub").status_code == 200
    assert _counts(db_session) == set()
