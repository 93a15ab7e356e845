"""Full-text search over the programme's real documents: Vietnamese analysis, ranking, facets, snippets,
the search page and API. The documents are published and indexed once a module, and each test reads a
copy of that database and index."""

import shutil
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from archive.models import Item
from archive.searching import search_items
from archive.services import create_item
from archive.workflow import apply_transition
from core.auth import create_user
from core.db import db
from core.search import apply_pending
from tests.conftest import PASSWORD, TEST_DB, app_settings, copy_database, data_dir

# Answers of the search index; the outbox that feeds it is checked on both databases (test_search_index).
pytestmark = pytest.mark.one_database

CORPUS = Path(__file__).resolve().parents[2] / "archive" / "data" / "corpus"
ENGLISH = {
    "qd-1079-ttg-2022-de-an": "Decision approving the scheme on communication about human rights in Vietnam",
    "kh-cao-bang-2023": "Cao Bang plan for human rights communication in 2023",
}
STEMS = sorted(path.stem for path in CORPUS.glob("*.txt"))


def _publish_corpus(session) -> None:
    archivist = create_user(session, "corpus-archivist@vitrine.test", PASSWORD, "archivist")
    curator = create_user(session, "corpus-curator@vitrine.test", PASSWORD, "curator")
    for n, stem in enumerate(STEMS):
        text = (CORPUS / f"{stem}.txt").read_text(encoding="utf-8")
        title = next(line.strip() for line in text.splitlines() if len(line.strip()) > 20)
        texts = {"vi": {"title": title[:500], "transcription": text}}
        if stem in ENGLISH:
            texts["en"] = {"title": ENGLISH[stem]}
        item = create_item(session, archivist, {
            "reference_code": f"CORPUS-{n}", "type": "document", "date": f"{2022 + n % 2}",
            "body": "btttt" if n % 2 else "bnv", "terms": ["ICCPR", "upr"] if n % 2 else ["CRC"], "texts": texts,
        })  # fmt: skip
        apply_transition(session, curator, item, "submit")
        apply_transition(session, curator, item, "publish")


@pytest.fixture(scope="module")
def corpus_template(request, tmp_path_factory):
    """A database and data folder with the corpus published and indexed, made once a module."""
    folder = tmp_path_factory.mktemp("corpus")
    url = copy_database(request, folder)
    app = create_app(app_settings(data_dir(folder), url))
    with app.app_context():
        _publish_corpus(db.session)
        db.session.commit()
        apply_pending(app)
        db.session.remove()
        db.engine.dispose()  # a template database must have no connection left
    return (url.rsplit("/", 1)[-1] if TEST_DB == "postgresql" else Path(url.removeprefix("sqlite:///"))), folder


@pytest.fixture
def database_url(request, tmp_path, corpus_template):
    database, folder = corpus_template
    shutil.copytree(data_dir(folder), data_dir(tmp_path))
    return copy_database(request, tmp_path, database)


@pytest.fixture
def corpus(db_session) -> dict[str, Item]:
    """The corpus's items by file stem."""
    codes = {f"CORPUS-{n}": stem for n, stem in enumerate(STEMS)}
    items = db_session.scalars(select(Item).where(Item.reference_code.in_(codes)))
    return {codes[item.reference_code]: item for item in items}


def found(db_session, q, public=True, **filters):
    page = search_items(db_session, {"q": q, **filters}, "vi", public=public, per_page=50)
    return [item.reference_code for item in page.items]


def test_with_and_without_marks_find_the_same_documents(db_session, corpus):
    accented = found(db_session, "quyền con người")
    assert len(accented) == len(corpus)
    assert found(db_session, "quyen con nguoi") == found(db_session, "QUYỀN CON NGƯỜI") or set(
        found(db_session, "quyen con nguoi")
    ) == set(accented)
    assert set(found(db_session, "QUYỀN CON NGƯỜI")) == set(accented)
    decomposed = unicodedata.normalize("NFD", "quyền con người")
    assert set(found(db_session, decomposed)) == set(accented)


def test_short_syllables_and_phrases_match(db_session, corpus):
    code = corpus["qd-1079-ttg-2022-de-an"].reference_code
    assert code in found(db_session, '"Hà Nội"')
    assert code in found(db_session, '"ha noi"')
    assert found(db_session, "an ninh")
    assert corpus["qd-09-bnv-2023-ke-hoach-bo-noi-vu"].reference_code in found(db_session, "hà nội")


def test_english_texts_and_prefixes_match(db_session, corpus):
    assert set(found(db_session, "human rights")) == {corpus[s].reference_code for s in ENGLISH}
    assert corpus["kh-cao-bang-2023"].reference_code in found(db_session, "communic*")
    assert len(found(db_session, "nguo*")) == len(corpus)
    assert found(db_session, "CORPUS-1") == [corpus[sorted(corpus)[1]].reference_code]


def test_facets_count_and_filters_combine(db_session, corpus):
    page = search_items(db_session, {"q": "quyen"}, "en", public=True)
    facets = {name: {f.value: f.count for f in values} for name, values in page.facets.items()}
    assert facets["type"] == {"document": 5}
    assert facets["term"]["ICCPR"] == 2 and facets["term"]["CRC"] == 3
    assert facets["has_lang"] == {"vi": 5, "en": 2}
    assert facets["body"] == {"btttt": 2, "bnv": 3}
    assert set(facets["decade"]) == {"2020"}
    assert "status" not in facets
    labels = {f.value: f.label for f in page.facets["term"]}
    assert labels["CRC"] == "Convention on the Rights of the Child"
    both = search_items(db_session, {"q": "quyen", "term": "CRC", "has_lang": "en"}, "en", public=True)
    assert {i.reference_code for i in both.items} == {corpus[stem].reference_code for stem in ENGLISH}
    assert both.facets["term"][0].selected


def test_public_sees_published_only_and_staff_get_a_status_facet(db_session, corpus, make_item):
    make_item(reference_code="DRAFT-1", texts={"vi": {"title": "Bản nháp về quyền con người"}})
    assert "DRAFT-1" not in found(db_session, '"ban nhap"')
    assert found(db_session, '"ban nhap"', public=False) == ["DRAFT-1"]
    page = search_items(db_session, {"q": "quyen"}, "vi", public=False)
    assert {f.value: f.count for f in page.facets["status"]} == {"published": 5, "draft": 1}
    assert found(db_session, "quyen", public=False, status="draft") == ["DRAFT-1"]


def test_snippets_are_in_the_readers_language(db_session, corpus):
    page = search_items(db_session, {"q": "human"}, "en", public=True)
    assert all("<mark" in page.snippets[item.id] for item in page.items)
    page = search_items(db_session, {"q": "quyen con nguoi"}, "vi", public=True)
    assert any("<mark" in s and "quyền" in s.lower() for s in page.snippets.values())


def test_date_order_and_paging(db_session, corpus):
    newest = search_items(db_session, {"q": "quyen", "order": "date"}, "vi", public=True, per_page=2)
    assert newest.total == 5 and newest.pages == 3 and len(newest.items) == 2
    assert newest.items[0].date_start.year == 2023
    last = search_items(db_session, {"q": "quyen", "order": "date"}, "vi", public=True, page=3, per_page=2)
    assert len(last.items) == 1


def test_a_long_query_says_it_was_cut(client, corpus):
    body = client.get("/api/v1/search", query_string={"q": "quyen " * 2000}).get_json()
    assert body["notice"]


def test_search_page_shows_facets_and_hits(client, corpus):
    response = client.get("/items", query_string={"q": "quyen con nguoi", "lang": "en"})
    html = response.get_data(True)
    assert response.status_code == 200
    assert "CORPUS-0" in html and "<mark" in html and "Convention on the Rights of the Child" in html
    filtered = client.get("/items", query_string={"q": "quyen", "term": "CRC"}).get_data(True)
    assert "CORPUS-1" not in filtered and "CORPUS-0" in filtered


def test_search_api_returns_hits_facets_and_highlights(client, corpus, auth, make_item):
    make_item(reference_code="DRAFT-API", texts={"vi": {"title": "Quyền con người, bản nháp"}})
    body = client.get("/api/v1/search", query_string={"q": "human rights", "lang": "en"}).get_json()
    assert body["total"] == 2
    hit = body["hits"][0]
    assert hit["title_lang"] == "en" and "<mark" in hit["highlight"] and hit["url"].startswith("http")
    assert {f["value"] for f in body["facets"]["has_lang"]} == {"vi", "en"}
    public = client.get("/api/v1/search", query_string={"q": '"ban nhap"'}).get_json()
    assert public["total"] == 0
    staff = client.get("/api/v1/search", query_string={"q": '"ban nhap"'}, headers=auth("archivist")).get_json()
    assert staff["total"] == 1 and staff["facets"]["status"][0]["value"] == "draft"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/search" in spec["paths"]
