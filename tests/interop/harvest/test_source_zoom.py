"""A harvested record's IIIF manifest at its source names an image service: the provenance keeps it, this
site's manifest names it as the first canvas's service (the image itself still this site's copy), and the item
page zooms from the source. A manifest elsewhere, broken, or naming a service elsewhere is passed over."""

import json

import pytest
from iiif_prezi3 import Manifest

from archive.source_images import image_origins
from interop.harvest.models import RunState
from interop.harvest.services import service_in
from tests.interop.harvest.helpers import add_museum, harvest_now, item_of
from tests.interop.harvest.server import Answer

MANIFEST = "/iiif/123456789/101/manifest.json"


@pytest.fixture
def app_config(app_config):
    return app_config | {"HARVEST_FETCH_IMAGES": True}


def source_manifest(service: str) -> bytes:
    canvas = f"{service}/canvas/1"
    body = {"id": f"{service}/full/max/0/default.jpg", "type": "Image", "format": "image/jpeg",
            "service": [{"id": service, "type": "ImageService3", "profile": "level2"}]}  # fmt: skip
    return json.dumps({"@context": "http://iiif.io/api/presentation/3/context.json", "id": "x", "type": "Manifest",
                       "items": [{"id": canvas, "type": "Canvas", "width": 4800, "height": 3200, "items": [
                           {"id": f"{canvas}/page", "type": "AnnotationPage", "items": [
                               {"id": f"{canvas}/a", "type": "Annotation", "motivation": "painting",
                                "body": body, "target": canvas}]}]}]}).encode()  # fmt: skip


def test_the_sources_image_service_gives_deep_zoom(app, client, repository, serve_images):
    service = f"{repository.root}/iiif/image/101"
    repository.answers[("file", MANIFEST)] = Answer(200, source_manifest(service), "application/ld+json")
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and run.problems == [] and run.images == 2
    bridge = item_of(101)
    provenance = bridge.provenance
    assert (provenance.image_service_url, provenance.image_service_type, provenance.image_service_profile) == (
        service, "ImageService3", "level2")  # fmt: skip
    assert image_origins(bridge) == [repository.root] and image_origins(item_of(104)) == []
    found = client.get(f"/iiif/items/{bridge.id}/manifest.json").get_json()
    Manifest(**found)  # a valid Presentation 3 manifest
    body = found["items"][0]["items"][0]["items"][0]["body"]
    assert body["service"] == [{"id": service, "type": "ImageService3", "profile": "level2"}]
    image = f"/iiif/image/{bridge.media[0].id}-1/full/max/0/default.jpg"  # the image is this site's copy
    assert body["id"].endswith(image) and not body["id"].startswith(repository.root)
    answer = client.get(f"/items/{bridge.id}")
    page = answer.get_data(as_text=True)
    assert f'data-zoom-info="{service}/info.json"' in page
    assert f'data-image-origins="{repository.root}"' in page
    # Its content policy lets the viewer read info.json and tiles from the source, and nothing else outside.
    policy = answer.headers["Content-Security-Policy"]
    own = "'self' http://vitrine.test"  # the site itself, by its base URL too
    assert f"img-src {own} {repository.root};" in policy and f"connect-src {own} {repository.root};" in policy
    # The archive's other item zooms with this site's service, and names no other origin.
    other = client.get(f"/items/{item_of(104).id}")
    assert 'data-zoom-info="/iiif/image/' in other.get_data(as_text=True)
    assert "data-image-origins" not in other.get_data(as_text=True)
    assert f"img-src {own};" in other.headers["Content-Security-Policy"]
    assert repository.root not in other.headers["Content-Security-Policy"]


def with_relation(page: bytes, number: int, url: str) -> bytes:
    """A page of the museum's list whose record `number` names `url` as a relation too."""
    identifier = f"/handle/123456789/{number}</dc:identifier>".encode()
    return page.replace(identifier, identifier + f"<dc:relation>{url}</dc:relation>".encode())


def test_a_manifest_not_to_trust_is_passed_over_and_the_record_kept(app, repository, serve_images):
    # 101's manifest is broken JSON; 103's is on a host the source was not allowed; 104's names a service there.
    elsewhere = f"http://localhost:{repository.port}"
    repository.answers[("file", MANIFEST)] = Answer(200, b'{"items": [', "application/json")
    page = with_relation(repository.fixture("page-2.xml"), 103, f"{elsewhere}/iiif/103/manifest.json")
    repository.answers[("token", "page2-token")] = Answer(
        200, with_relation(page, 104, f"{repository.root}/m/104/manifest")
    )
    repository.answers[("file", "/m/104/manifest")] = Answer(200, source_manifest(f"{elsewhere}/iiif/image/104"),
                                                            "application/json")  # fmt: skip
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and run.added == 4 and run.problems == [] and run.images == 2
    for number in (101, 103, 104):
        item = item_of(number)
        assert item.provenance.manifest_url and item.provenance.image_service_url is None
    assert [request.path for request in repository.log if "manifest" in request.path] == [MANIFEST, "/m/104/manifest"]
    assert all(request.host == "127.0.0.1" for request in repository.log)


def test_service_in_reads_presentation_2_and_tolerates_any_shape():
    v2 = {"sequences": [{"canvases": [{"images": [{"resource": {"service": {
        "@context": "http://iiif.io/api/image/2/context.json", "@id": "https://s.example/iiif/2/a/",
        "profile": ["http://iiif.io/api/image/2/level1.json", {"formats": ["jpg"]}]}}}]}]}]}  # fmt: skip
    found = service_in(v2)
    assert (found.url, found.type, found.profile) == (
        "https://s.example/iiif/2/a", "ImageService2", "http://iiif.io/api/image/2/level1.json")  # fmt: skip
    assert found.reference()["@id"] == "https://s.example/iiif/2/a"
    for shape in ([], {"items": []}, {"items": [{"items": "x"}]}, {"sequences": {}}, {"items": [{"items": [
            {"items": [{"body": {"service": [{"id": 3, "type": "ImageService3"}]}}]}]}]}, None, "x"):  # fmt: skip
        assert service_in(shape) is None
