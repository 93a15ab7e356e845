"""Absolute addresses come from the configured base URL (core.urls.public_url), never from the request's Host:
a request naming another host (or a proxy's X-Forwarded-Host) finds it in no header and no body of the API's
lists, reads and creations, and of the pages that print or share addresses; and no code builds one from the
request (`_external=True`, request.host_url, request.url_root)."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.models import Item, ItemStatus, Scheme
from core.auth import Role, User, issue_token
from exhibitions.models import Exhibition, ExhibitionStatus, QrLink

ROOT = Path(__file__).resolve().parents[1]
EVIL = "evil.example"
# As a client under attack, or a misconfigured proxy, would send them.
HOSTILE = {"base_url": f"http://{EVIL}", "headers": {"X-Forwarded-Host": f"forwarded.{EVIL}"}}
# The host every address must name (tests/conftest.py).
BASE = "http://vitrine.test"
# What builds an address from the request: forbidden outside core.urls.
FROM_REQUEST = re.compile(r"_external\s*=\s*True|request\.(host_url|url_root|host\b|root_url|base_url)")

pytestmark = pytest.mark.one_database  # what is checked is made the same from either database


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


@pytest.fixture
def app_config(app_config):
    return app_config | {"REPOSITORY_ID": "vitrine.test", "OAI_APPLY": "inline"}


def _clean(response, url: str) -> None:
    assert response.status_code < 500, (url, response.status_code)
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers)
    assert EVIL not in headers, (url, headers)
    assert EVIL not in response.get_data(as_text=True), url


def _values(db_session) -> dict:
    """A real value for each argument of the API's and the pages' routes, from the demo."""
    item = db_session.scalar(select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.media.any()).limit(1))
    exhibition = db_session.scalar(select(Exhibition).where(Exhibition.status == ExhibitionStatus.PUBLISHED).limit(1))
    section = exhibition.sections[0]
    scheme = db_session.scalar(select(Scheme).limit(1))
    return {"item_id": item.id, "media_id": item.media[0].id, "exhibition_id": exhibition.id,
            "section_id": section.id, "entry_id": section.entries[0].id, "code": scheme.code, "lang": "vi",
            "term_code": scheme.terms[0].code}  # fmt: skip


def _admin_headers(db_session) -> dict:
    admin = db_session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
    token = issue_token(db_session, admin)
    db_session.commit()
    return {"Authorization": f"Bearer {token}", **HOSTILE["headers"]}


def test_no_api_answer_names_the_requests_host(app, client, db_session):
    values, headers = _values(db_session), _admin_headers(db_session)
    asked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or "GET" not in rule.methods:
            continue
        arguments = {name: values["term_code"] if rule.endpoint.endswith(".term") else values[name]
                     for name in rule.arguments}  # fmt: skip
        url = rule.build(arguments)[1]
        for sent in (headers, HOSTILE["headers"]):  # staff and public
            _clean(client.get(url, base_url=HOSTILE["base_url"], headers=sent), url)
            asked += 1
    assert asked > 30
    created = client.post("/api/v1/items", json={"reference_code": "HOST-1", "type": "photo",
                                                "texts": {"vi": {"title": "Ảnh"}}},
                          base_url=HOSTILE["base_url"], headers=headers)  # fmt: skip
    assert created.status_code == 201 and created.headers["Location"].startswith(f"{BASE}/api/v1/items/")
    _clean(created, "POST /api/v1/items")
    exhibition = client.post("/api/v1/exhibitions", json={"venue": "vn-ha-noi", "primary_language": "vi",
                                                         "texts": {"vi": {"title": "Triển lãm"}}},
                             base_url=HOSTILE["base_url"], headers=headers)  # fmt: skip
    assert exhibition.status_code == 201, exhibition.get_json()
    assert exhibition.headers["Location"].startswith(f"{BASE}/api/v1/exhibitions/")
    _clean(exhibition, "POST /api/v1/exhibitions")
    path = f"/api/v1/exhibitions/{exhibition.get_json()['id']}/sections"
    section = client.post(path, json={"texts": {"vi": {"title": "Phần"}}}, base_url=HOSTILE["base_url"],
                          headers=headers)  # fmt: skip
    assert section.status_code == 201
    _clean(section, path)
    derived = client.post(f"/api/v1/exhibitions/{values['exhibition_id']}/derive",
                          json={"venue": "vn-cao-bang", "code": "HOST27"}, base_url=HOSTILE["base_url"],
                          headers=headers)  # fmt: skip
    _clean(derived, "derive")


def test_no_page_names_the_requests_host(client, db_session):
    values = _values(db_session)
    link = db_session.scalar(select(QrLink).where(QrLink.exhibition_id == values["exhibition_id"]).limit(1))
    exhibition = f"/exhibitions/{values['exhibition_id']}"
    pages = ["/", "/items", f"/items/{values['item_id']}", "/exhibitions", exhibition, f"{exhibition}/book",
             f"{exhibition}/entries/{values['entry_id']}", f"/q/{link.code}", f"/q/{link.code}.svg",
             "/sitemap.xml", "/robots.txt", "/oai?verb=Identify", "/oai?verb=ListRecords&metadataPrefix=oai_dc",
             f"/iiif/items/{values['item_id']}/manifest.json", f"/iiif{exhibition}/manifest.json",
             "/iiif/exhibitions/collection.json", f"/iiif/image/{values['media_id']}-1/info.json", "/iiif/image/x",
             f"/iiif/image/{values['media_id']}-1", "/staff/items", "/login"]  # fmt: skip
    for url in pages:
        _clean(client.get(url, **HOSTILE), url)
    item_page = client.get(f"/items/{values['item_id']}", **HOSTILE).get_data(as_text=True)
    assert f"{BASE}/items/{values['item_id']}" in item_page  # the citation and share links use the base URL


def test_no_code_builds_an_address_from_the_request():
    found = []
    for path in ROOT.glob("**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "tests", "tools", "bench") or "node_modules" in parts:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in FROM_REQUEST.finditer(text)]
    assert found == [], "build absolute addresses with core.urls.public_url"
