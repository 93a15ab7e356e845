"""Dublin Core of an item and of a page of search results, in JSON and XML, through the API: one element per
language with xml:lang, only what the caller may see."""

from xml.etree import ElementTree

import pytest

from interop.exports.dc import DC_NS, ELEMENTS, OAI_DC_NS, XML_LANG
from tests.interop.exports.conftest import RIGHTS

DC = f"{{{DC_NS}}}"


def _values(root, element: str) -> list[tuple[str | None, str]]:
    return [(e.get(XML_LANG), e.text) for e in root.iter(DC + element)]


def test_an_items_dublin_core_xml_has_one_element_per_language(client, rich_item):
    response = client.get(f"/api/v1/items/{rich_item.id}/dc.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{{{OAI_DC_NS}}}dc"
    assert _values(root, "title") == [("vi", "Lớp học ở Cao Bằng"), ("en", "A class in Cao Bang"),
                                      ("tyz", "Lớp slấc ở Cao Bằng")]  # fmt: skip
    assert ("en", "Tày children learning to read.") in _values(root, "description")
    assert ("vi", "Lớp học, 1954") in _values(root, "description")  # the caption
    subjects = _values(root, "subject")
    assert ("fr", "Frontière") in subjects and ("en", "Border") in subjects and (None, "trẻ em") in subjects
    assert [lang for lang, _text in _values(root, "language")] == [None, None, None]
    assert {text for _lang, text in _values(root, "language")} == {"vi", "en", "tyz"}
    assert (None, "c. 1954") in _values(root, "date")
    assert (None, "StillImage") in _values(root, "type") and ("fr", "Photographie") in _values(root, "type")
    assert {text for _lang, text in _values(root, "format")} == {"image/jpeg", "image/png"}
    identifiers = [text for _lang, text in _values(root, "identifier")]
    first = rich_item.media[0].id
    assert identifiers == ["CB-1954-007", f"http://vitrine.test/items/{rich_item.id}",
                           f"http://vitrine.test/media/{first}/web-1.jpg"]  # the page, the 1,600 px image  # fmt: skip
    assert ("vi", "Cao Bằng") in _values(root, "coverage")
    assert (None, RIGHTS) in _values(root, "rights")
    assert _values(root, "creator") == [(None, "Võ An Ninh")]
    # The same in JSON.
    body = client.get(f"/api/v1/items/{rich_item.id}/dc").get_json()
    assert body["reference_code"] == "CB-1954-007"
    assert body["dc"]["title"][0] == {"value": "Lớp học ở Cao Bằng", "lang": "vi"}
    assert {"value": RIGHTS, "lang": None} in body["dc"]["rights"]
    assert set(body["dc"]) <= set(ELEMENTS) and {"title", "subject", "rights", "coverage"} <= set(body["dc"])


def test_the_public_sees_published_items_only_and_staff_every_one(client, make_item, auth):
    draft = make_item(reference_code="DRAFT-1")
    for path in (f"/api/v1/items/{draft.id}/dc", f"/api/v1/items/{draft.id}/dc.xml"):
        response = client.get(path)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    staff = client.get(f"/api/v1/items/{draft.id}/dc", headers=auth("archivist")).get_json()
    identifiers = [v["value"] for v in staff["dc"]["identifier"]]
    assert identifiers == ["DRAFT-1"]  # no public page nor image for an item the public cannot see


def test_a_search_page_as_dublin_core(client, published_item, make_item, auth):
    for n in range(3):
        published_item(reference_code=f"HN-{n}", texts={"vi": {"title": f"Hà Nội {n}"}})
    make_item(reference_code="HN-DRAFT", texts={"vi": {"title": "Hà Nội nháp"}})
    body = client.get("/api/v1/search/dc?q=ha+noi&per_page=2").get_json()
    assert (body["total"], body["per_page"], body["pages"], len(body["records"])) == (3, 2, 2, 2)
    root = ElementTree.fromstring(client.get("/api/v1/search/dc.xml?q=ha+noi&page=2&per_page=2").data)
    assert (root.tag, root.get("total"), root.get("page")) == ("records", "3", "2")
    assert [r.get("reference_code") for r in root.iter("record")] and len(list(root.iter(f"{{{OAI_DC_NS}}}dc"))) == 1
    staff = client.get("/api/v1/search/dc?q=ha+noi&per_page=100", headers=auth("archivist")).get_json()
    assert staff["total"] == 4


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=10001", "order=sideways"])
def test_a_bad_search_is_a_clear_422(client, query):
    response = client.get(f"/api/v1/search/dc.xml?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] in ("per_page", "page", "order")


def test_the_api_document_lists_the_exports(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/items/{item_id}/dc", "/api/v1/items/{item_id}/dc.xml", "/api/v1/search/dc",
            "/api/v1/search/dc.xml"} <= set(paths)  # fmt: skip
    assert "application/xml" in paths["/api/v1/items/{item_id}/dc.xml"]["get"]["responses"]["200"]["content"]
