"""What the whole site answers: the sitemap (every published page in each language, with its alternates,
split under an index past its limits), robots.txt and the favicon; on the demo."""

import math
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select

from archive.models import Item, ItemStatus
from archive.workflow import apply_transition
from core.auth import User
from exhibitions.composing import archive
from exhibitions.models import Exhibition
from exhibitions.reading import VISIBLE, view_for

# Sitemaps and robots of the demo (the demo runs on SQLite in `make test`, on both in `make test-all`).
pytestmark = pytest.mark.one_database

BASE = "http://vitrine.test"  # tests/conftest.py
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def _urls(xml: str) -> dict[str, dict[str, str]]:
    """loc → {hreflang: href} of a sitemap."""
    root = ET.fromstring(xml)
    assert root.tag == f"{{{NS['s']}}}urlset"
    found = {}
    for url in root.findall("s:url", NS):
        loc = url.find("s:loc", NS).text
        assert loc not in found, f"{loc} twice"
        found[loc] = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
    return found


def _expected_paths(db_session) -> dict[str, set[str]]:
    """Path → languages of every page the public can read, from the models."""
    pages = {path: {"vi", "en", "fr"} for path in ("/", "/exhibitions", "/items")}
    for item in db_session.scalars(select(Item).where(Item.status == ItemStatus.PUBLISHED)):
        pages[f"/items/{item.id}"] = set(item.languages)
    for exhibition in db_session.scalars(select(Exhibition).where(Exhibition.status.in_(VISIBLE))):
        languages, base = set(exhibition.all_languages), f"/exhibitions/{exhibition.id}"
        pages[base] = pages[f"{base}/book"] = languages
        view = view_for(exhibition, exhibition.primary_language)
        for section in view.sections:
            pages[f"{base}/sections/{section.id}"] = languages
            for entry in section.entries:
                if not entry.withdrawn:
                    pages[f"{base}/entries/{entry.id}"] = languages
    return pages


def test_the_sitemap_lists_every_published_page_in_each_of_its_languages(client, db_session):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    urls = _urls(response.get_data(True))
    expected = _expected_paths(db_session)
    assert {f"{BASE}{path}?lang={tag}" for path, tags in expected.items() for tag in tags} == set(urls)
    assert any(len(tags) >= 3 for tags in expected.values()) and any("tyz" in t for t in expected.values())
    for loc, alternates in urls.items():
        path = urlsplit(loc).path
        assert alternates == {tag: f"{BASE}{path}?lang={tag}" for tag in expected[path]} | {"x-default": BASE + path}
    drafts = db_session.scalars(select(Item.id).where(Item.status != ItemStatus.PUBLISHED)).all()
    assert drafts and not any(urlsplit(loc).path == f"/items/{i}" for loc in urls for i in drafts)


def _sitemap_paths(client) -> set[str]:
    """The paths (with their `?lang=`) the sitemap lists."""
    return {urlsplit(loc).path + "?" + urlsplit(loc).query for loc in _urls(client.get("/sitemap.xml").get_data(True))}


def test_a_page_of_each_kind_in_each_language_answers(client):
    kinds = {}
    for path in sorted(_sitemap_paths(client)):
        kind = re.sub(r"\d+", "N", path)  # /exhibitions/N/entries/N?lang=tyz
        kinds.setdefault(kind, path)
    assert len(kinds) >= 20
    for path in kinds.values():
        assert client.get(path).status_code == 200, path


def test_each_language_version_shows_its_texts_in_that_language(client, db_session):
    tay = db_session.scalars(select(Item).where(Item.status == ItemStatus.PUBLISHED)).all()
    item = next(i for i in tay if "tyz" in i.languages)
    assert f"{BASE}/items/{item.id}?lang=tyz" in _urls(client.get("/sitemap.xml").get_data(True))
    html = client.get(f"/items/{item.id}?lang=tyz").get_data(True)
    assert f'<h1><span lang="tyz">{escape(item.text_for("tyz").title)}</span></h1>' in html


@pytest.mark.long
def test_every_page_of_the_sitemap_answers(client):
    for path in sorted(_sitemap_paths(client)):
        assert client.get(path).status_code == 200, path


def test_a_withdrawn_item_leaves_it_and_the_exhibitions_live_and_archived_showing_it(client, db_session):
    admin = db_session.scalar(select(User).where(User.email == "admin@vitrine.test"))
    shown = {e.code: e for e in db_session.scalars(select(Exhibition))}
    archive(db_session, admin, shown["QG25"])
    item = shown["CB25"].entries[0].item
    apply_transition(db_session, admin, item, "withdraw", "Rights to be checked")
    db_session.commit()
    paths = {path.split("?")[0] for path in _sitemap_paths(client)}
    assert paths == set(_expected_paths(db_session))
    assert f"/items/{item.id}" not in paths
    live = [f"/exhibitions/{shown['CB25'].id}/entries/{e.id}" for e in shown["CB25"].entries if e.item_id == item.id]
    frozen = [f"/exhibitions/{shown['QG25'].id}/entries/{e.id}" for e in shown["QG25"].entries if e.item_id == item.id]
    assert live and not set(live) & paths
    assert frozen and not set(frozen) & paths  # a takedown reaches what the archive froze
    assert all(client.get(path).status_code == 410 for path in frozen + live)


@pytest.mark.parametrize("limit", ["urls", "bytes"])
def test_past_a_limit_the_sitemap_becomes_an_index_of_parts_within_it(app, client, limit):
    whole = client.get("/sitemap.xml").get_data(True)
    urls = _urls(whole)
    entry_bytes = len(whole.encode()) // len(urls)
    app.config.update({"SITEMAP_MAX_URLS": 25} if limit == "urls" else {"SITEMAP_MAX_BYTES": entry_bytes * 30})
    index = ET.fromstring(client.get("/sitemap.xml").get_data(True))
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    parts = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    assert parts == [f"{BASE}/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    if limit == "urls":
        assert len(parts) == math.ceil(len(urls) / 25)
    seen = {}
    for part in parts:
        response = client.get(urlsplit(part).path)
        assert response.status_code == 200
        found = _urls(response.get_data(True))
        if limit == "urls":
            assert len(found) <= 25
        else:
            assert len(response.get_data()) <= entry_bytes * 30
        seen |= found
    assert seen == urls  # the parts together are the one sitemap, in the same order
    assert list(seen) == list(urls)
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_staff_pages_and_short_links(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(True).splitlines()
    assert lines[0] == "User-agent: *" and f"Sitemap: {BASE}/sitemap.xml" in lines
    assert {"Disallow: /staff/", "Disallow: /api/", "Disallow: /q/", "Disallow: /login"} <= set(lines)
    assert "Disallow: /" not in lines


def test_the_favicon_answers_at_its_old_address_too(client):
    with client.get("/static/favicon.svg") as svg, client.get("/favicon.ico") as ico:
        assert svg.status_code == ico.status_code == 200
        assert ico.mimetype == "image/svg+xml" and ico.get_data() == svg.get_data()
        assert ET.fromstring(ico.get_data()).tag == "{http://www.w3.org/2000/svg}svg"
    page = client.get("/items").get_data(True)
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=[0-9a-f]{16}" type="image/svg\+xml">', page)
