"""schema.org JSON-LD in the public item and exhibition pages: a data block the scan of inline scripts allows,
that parses, names every language of a text and the rights statement's URI."""

import json
import re

from exhibitions.composing import publish
from tests.interop.exports.conftest import RIGHTS
from tests.test_no_inline_scripts import inline_javascript

BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def _data(page: str) -> list[dict]:
    return [json.loads(block) for block in BLOCK.findall(page)]


def test_the_item_page_describes_the_item(client, rich_item):
    page = client.get(f"/items/{rich_item.id}?lang=en").get_data(as_text=True)
    assert inline_javascript(page) == []
    [data] = _data(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == ["ArchiveComponent", "Photograph"]
    assert data["license"] == RIGHTS
    assert data["name"][0] == {"@value": "Lớp học ở Cao Bằng", "@language": "vi"}
    assert {"@value": "Lớp slấc ở Cao Bằng", "@language": "tyz"} in data["name"]
    assert data["temporalCoverage"] == "1954-01-01/1954-12-31"  # c. 1954: no exact dateCreated
    assert data["url"] == f"http://vitrine.test/items/{rich_item.id}" and data["identifier"] == "CB-1954-007"
    assert data["image"].startswith("http://vitrine.test/")
    assert data["holdingArchive"] == {"@type": "ArchiveOrganization", "name": "Trung tâm Lưu trữ quốc gia III"}
    assert data["isPartOf"]["name"] == "Phông Bộ Tuyên truyền"
    assert {term["termCode"] for term in data["about"]} == {"ICCPR", "CB-BORDER"}
    assert data["inLanguage"] == ["en", "tyz", "vi"]


def test_an_exact_date_is_the_date_created_and_a_script_cannot_leave_the_block(client, published_item):
    item = published_item(date="1945-09-02", texts={"vi": {"title": "</script><script>alert(1)</script>"}})
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    [data] = _data(page)
    assert data["dateCreated"] == "1945-09-02" and data["name"][0]["@value"].startswith("</script>")
    assert data["license"] == "http://rightsstatements.org/vocab/CNE/1.0/"  # none given: Copyright Not Evaluated


def test_the_exhibition_page_describes_an_exhibition_event(client, db_session, make_exhibition, curator):
    exhibition = make_exhibition(sections=1, entries=2)
    draft = client.get(f"/exhibitions/{exhibition.id}")
    assert draft.status_code == 404  # the public sees no draft
    publish(db_session, curator, exhibition)
    db_session.commit()
    page = client.get(f"/exhibitions/{exhibition.id}?lang=en").get_data(as_text=True)
    [data] = _data(page)
    assert data["@type"] == "ExhibitionEvent" and data["startDate"] == "2026-09-01" and data["endDate"] == "2026-12-31"
    assert {"@value": "Human rights in Cao Bang", "@language": "en"} in data["name"]
    assert data["inLanguage"] == ["vi", "en"]
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, online = data["location"]
    assert place["@type"] == "Place" and place["address"]["addressCountry"] == "VN"
    assert {"@value": "Cao Bằng", "@language": "vi"} in place["name"]
    assert online == {"@type": "VirtualLocation", "url": f"http://vitrine.test/exhibitions/{exhibition.id}"}
    assert len(data["workFeatured"]) == 2
