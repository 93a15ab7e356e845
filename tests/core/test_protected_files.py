"""Originals and previews are sent only after their route checked who may see them: by the app, or with
ACCEL_REDIRECT by the proxy (X-Accel-Redirect to an internal location); public ones are kept minutes by
shared caches and revalidated by ETag, anything else is private."""

from pathlib import Path

import pytest

from app import create_app
from archive.media import derivative_path
from core.config import from_env
from core.protected_files import accel_path, file_etag
from core.storage import get_storage
from tests.archive import samples
from tests.archive.test_media import attach

# What is checked is who may see a file and how it is sent, not how the records are stored.
pytestmark = pytest.mark.one_database

PREFIX = "/_protected/"


@pytest.fixture
def app_config(app_config):
    return app_config | {"ACCEL_REDIRECT": PREFIX, "MEDIA_MAX_AGE": 120}


@pytest.fixture
def media(db_session, make_item):
    """One PNG of a published item (its previews made); tests change the item's status."""
    item = make_item()
    (entry,) = attach(db_session, item, ("tấm ảnh.png", samples.png_bytes()))
    item.status = "published"
    db_session.commit()
    return entry.media


def _set_status(db_session, media, status: str) -> None:
    media.item.status = status
    db_session.commit()


def test_a_published_file_is_handed_to_the_proxy_with_a_short_public_life(client, media):
    path = derivative_path(media.sha256, "thumb", 1)
    etag = f'"{file_etag(path)}"'
    with client.get(f"/media/{media.id}/thumb-1.jpg") as response:
        assert response.status_code == 200 and response.data == b""
        sha = media.sha256
        assert response.headers["X-Accel-Redirect"] == f"{PREFIX}derivatives/{sha[:2]}/{sha}/thumb-1.jpg"
        assert response.headers["Cache-Control"] == "public, max-age=120" and "Expires" not in response.headers
        assert response.headers["ETag"] == etag and response.mimetype == "image/jpeg"
        modified = response.headers["Last-Modified"]
    # A revalidation the app can answer needs no file: no redirect, the same lifetime.
    for asked in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        with client.get(f"/media/{media.id}/thumb-1.jpg", headers=asked) as again:
            assert again.status_code == 304 and "X-Accel-Redirect" not in again.headers
            assert again.headers["Cache-Control"] == "public, max-age=120"
    # The original keeps its type, its name (ASCII and UTF-8) and its sandbox.
    with client.get(f"/media/{media.id}") as response:
        assert response.headers["X-Accel-Redirect"] == f"{PREFIX}files/{sha[:2]}/{sha[2:4]}/{sha}"
        assert response.mimetype == "image/png"
        disposition = "inline; filename=\"tam anh.png\"; filename*=UTF-8''t%E1%BA%A5m%20%E1%BA%A3nh.png"
        assert response.headers["Content-Disposition"] == disposition
        assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_draft_or_withdrawn_file_is_not_there_for_the_public_and_private_for_staff(client, login_as, db_session,
                                                                                      media):  # fmt: skip
    staff, _user = login_as("archivist")
    for status, refused in (("draft", 404), ("withdrawn", 410)):  # a withdrawn item's files were public: Gone
        _set_status(db_session, media, status)
        for url in (f"/media/{media.id}", f"/media/{media.id}/web-1.jpg"):
            with client.get(url) as response:
                assert response.status_code == refused and "X-Accel-Redirect" not in response.headers, url
            with staff.get(url) as response:
                assert response.headers["X-Accel-Redirect"].startswith(PREFIX)
                assert response.headers["Cache-Control"] == "private, no-cache"


def test_without_the_setting_the_app_sends_the_bytes_with_the_same_etag(app, client, login_as, db_session, media):
    app.config["ACCEL_REDIRECT"] = None
    path = derivative_path(media.sha256, "web", 1)
    with client.get(f"/media/{media.id}/web-1.jpg") as response:
        assert response.data == path.read_bytes() and "X-Accel-Redirect" not in response.headers
        assert response.headers["ETag"] == f'"{file_etag(path)}"'
        assert response.headers["Cache-Control"] == "public, max-age=120" and "Expires" not in response.headers
    with client.get(f"/media/{media.id}") as response:
        assert response.data == get_storage().path_for(media.sha256).read_bytes()
    _set_status(db_session, media, "draft")
    staff, _user = login_as("curator")
    with staff.get(f"/media/{media.id}/web-1.jpg") as response:
        assert response.data == path.read_bytes() and response.headers["Cache-Control"] == "private, no-cache"


def test_only_the_protected_folders_have_a_proxy_path(app, tmp_path):
    with app.test_request_context():
        book = Path(app.config["PUBLICATIONS_DIR"]) / "7" / "vi-3 bản.epub"
        assert accel_path(book, PREFIX) == f"{PREFIX}publications/7/vi-3%20b%E1%BA%A3n.epub"
        assert accel_path(Path(app.config["DATA_DIR"]) / "secret_key", PREFIX) is None
        assert accel_path(Path(app.config["STORAGE_DIR"]) / ".." / "secret_key", PREFIX) is None


def test_settings_are_read_and_checked(app_config):
    found = from_env({"VITRINE_ACCEL_REDIRECT": "/_protected/", "VITRINE_MEDIA_MAX_AGE": "60"})
    assert (found["ACCEL_REDIRECT"], found["MEDIA_MAX_AGE"]) == ("/_protected/", 60)
    with pytest.raises(ValueError, match="VITRINE_MEDIA_MAX_AGE"):
        from_env({"VITRINE_MEDIA_MAX_AGE": "5 minutes"})
    with pytest.raises(ValueError, match="ACCEL_REDIRECT"):
        create_app(app_config | {"ACCEL_REDIRECT": "_protected"})
