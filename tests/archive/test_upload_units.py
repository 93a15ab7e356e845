"""An upload is staged and probed with no write lock held: another writer goes meanwhile (core.uow)."""

import io

import pytest
from sqlalchemy import func, select

from archive import media as media_service
from archive.models import MediaFile
from core.db import utcnow
from core.throttle import LoginCounter
from core.uow import unit
from tests.archive import samples
from tests.conftest import TEST_DB

pytestmark = pytest.mark.skipif(TEST_DB != "sqlite", reason="SQLite's single write lock")


@pytest.fixture
def impatient_app(app_config, request):
    """Writers give up after 0.3 s: a write lock held while probing shows as an error."""
    app_config["SQLITE_BUSY_TIMEOUT_MS"] = 300
    return request.getfixturevalue("app")


@pytest.fixture
def writer_while_probing(monkeypatch):
    """While the sandbox probes each upload, another writer saves a row in a unit of its own."""
    real, wrote = media_service.run_worker, []

    def probe_beside_a_writer(command, *args, **kwargs):
        if command == "probe":
            with unit("another archivist's save") as session:
                session.add(LoginCounter(kind="beside", key=str(len(wrote)), window_start=utcnow(), attempts=1))
            wrote.append(command)
        return real(command, *args, **kwargs)

    monkeypatch.setattr(media_service, "run_worker", probe_beside_a_writer)
    return wrote


def counts() -> tuple[int, int]:
    with unit("count", write=False) as session:
        beside = session.scalar(select(func.count(LoginCounter.id)).where(LoginCounter.kind == "beside"))
        return beside, session.scalar(select(func.count(MediaFile.id)))


def test_the_upload_page_probes_without_the_write_lock(impatient_app, login_as, make_item, writer_while_probing):
    client, user = login_as("archivist")
    item = make_item(user=user)
    files = {"files": [(io.BytesIO(samples.png_bytes()), "a.png")]}
    response = client.post(f"/staff/items/{item.id}/media", data=files, content_type="multipart/form-data")
    assert response.status_code == 302 and writer_while_probing == ["probe"]
    assert counts() == (1, 1)


def test_the_upload_api_probes_without_the_write_lock(impatient_app, client, make_item, auth, writer_while_probing):
    item = make_item()
    files = {"files": [(io.BytesIO(samples.png_bytes()), "a.png")]}
    response = client.post(f"/api/v1/items/{item.id}/media", data=files, headers=auth(user=item.created_by),
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 201 and response.json["media"][0]["job"]["state"] == "done"
    assert counts() == (1, 1)
