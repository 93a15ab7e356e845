"""A harvested record's display image: the first identifier URL that answers with an image, fetched at harvest
time, stored as a content-addressed original marked as the source's, with previews made as for uploads."""

import pytest

from archive.media import derivative_path
from archive.models import SourceRepository
from core.db import db
from core.storage import get_storage
from interop.harvest.models import RunState
from tests.interop.harvest.helpers import add_museum, harvest_now, item_of
from tests.interop.harvest.server import Answer

BRIDGE = "/bitstream/101/cau-hien-luong.png"


@pytest.fixture
def app_config(app_config):
    return app_config | {"HARVEST_FETCH_IMAGES": True}


def test_images_are_fetched_stored_and_previewed_at_harvest_time(app, client, repository, serve_images,
                                                                museum_images):  # fmt: skip
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and run.images == 2 and run.problems == []
    bridge = item_of(101)
    (media,) = bridge.media
    assert media.source_url == f"{repository.root}{BRIDGE}" and media.original_name == "cau-hien-luong.png"
    assert (media.mime_type, media.width, media.height) == ("image/png", 48, 32)
    assert get_storage().path_for(media.sha256).read_bytes() == museum_images[BRIDGE]
    assert derivative_path(media.sha256, "web").is_file()  # made after commit, as an upload's
    assert bridge.provenance.source_url == f"{repository.root}/handle/123456789/101"
    # Record 104 names its page first, then its image at a URL with no extension: the page is passed over.
    tunnels = item_of(104)
    assert tunnels.media[0].source_url == f"{repository.root}/bitstream/104/content"
    asked = [r.path for r in repository.log if r.path.startswith(("/handle/123456789/104", "/bitstream/104"))]
    assert asked == ["/handle/123456789/104", "/bitstream/104/content"]
    # The visitor's page needs nothing from the source: the image is served from here.
    fetched = len(repository.log)
    page = client.get(f"/items/{bridge.id}").get_data(as_text=True)
    assert f"/media/{media.id}/book-1.jpg" in page and len(repository.log) == fetched
    assert f'href="{repository.root}/handle/123456789/101"' in page and "Bảo tàng tỉnh Quảng Trị" in page


def test_a_non_image_answering_as_an_image_is_refused_and_the_record_kept(app, repository, serve_images):
    repository.answers[("file", BRIDGE)] = Answer(200, b"<!doctype html><p>an image, honest", "image/png")
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and run.added == 4
    problem = next(p for p in run.problems if p["identifier"].endswith("/101"))
    assert problem == {"identifier": problem["identifier"], "code": "image",
                       "detail": f"{repository.root}{BRIDGE}: unsupported_type"}  # fmt: skip
    assert item_of(101).media == []


def test_an_image_elsewhere_is_fetched_only_from_a_host_the_source_was_allowed(app, repository, serve_images):
    moved = repository.fixture("page-1.xml").replace(b"http://127.0.0.1:", b"http://localhost:")
    repository.answers[("ListRecords", None, None)] = Answer(200, moved)
    source = add_museum(repository)
    run = harvest_now(source)
    assert "other_host localhost" in run.problems[0]["detail"] and item_of(101).media == []
    assert all(request.host == "127.0.0.1" for request in repository.log)
    # Allowed that host, the source's next change of the record brings its image.
    db.session.get(SourceRepository, source).image_hosts = ["localhost"]
    db.session.commit()
    changed = moved.replace(b"2026-02-10T09:15:00Z", b"2026-03-01T09:15:00Z")
    repository.answers[("ListRecords", "2026-03-01T08:00:00Z", None)] = Answer(200, changed)
    assert harvest_now(source).images == 1
    assert item_of(101).media[0].source_url == f"http://localhost:{repository.port}{BRIDGE}"
    assert {r.host for r in repository.log if r.path == BRIDGE} == {"localhost"}
