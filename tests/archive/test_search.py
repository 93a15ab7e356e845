"""Full-text search: Vietnamese analysis, ranking, facets, public vs staff, bad queries."""

import unicodedata
from pathlib import Path

import pytest

from archive.searching import search_items
from archive.services import set_text, update_item
from archive.workflow import apply_transition
from core.search import SearchTask, apply_pending, check, search_index

CORPUS = Path(__file__).resolve().parents[2] / "archive" / "data" / "corpus"
ENGLISH = {
    "qd-1079-ttg-2022-de-an": "Decision approving the scheme on communication about human rights in Vietnam",
    "kh-cao-bang-2023": "Cao Bang plan for human rights communication in 2023",
}


@pytest.fixture
def publish(db_session, make_user):
    curator = make_user("curator")

    def publish(item):
        apply_transition(db_session, curator, item, "submit")
        apply_transition(db_session, curator, item, "publish")
        db_session.commit()
        return item

    return publish


@pytest.fixture
def corpus(app, make_item, publish):
    """The programme's real documents as published items, by file stem."""
    items = {}
    app.config["SEARCH_APPLY"] = "worker"  # index once at the end, not after each commit
    for n, path in enumerate(sorted(CORPUS.glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        title = next(line.strip() for line in text.splitlines() if len(line.strip()) > 20)
        texts = {"vi": {"title": title[:500], "transcription": text}}
        if path.stem in ENGLISH:
            texts["en"] = {"title": ENGLISH[path.stem]}
        item = make_item(reference_code=f"CORPUS-{n}", type="document", date=f"{2022 + n % 2}",
                         body="btttt" if n % 2 else "bnv", terms=["ICCPR", "upr"] if n % 2 else ["CRC"],
                         texts=texts)  # fmt: skip
        items[path.stem] = publish(item)
    app.config["SEARCH_APPLY"] = "inline"
    apply_pending()
    return items


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


def test_a_place_name_of_short_syllables_matches(db_session, make_item, publish):
    publish(make_item(reference_code="NGHE-AN", place="vn-nghe-an", texts={"vi": {"title": "Lễ hội"}}))
    for q in ("Nghệ An", "nghe an", '"NGHỆ AN"', "nghe*"):
        assert found(db_session, q) == ["NGHE-AN"], q


def test_english_texts_and_prefixes_match(db_session, corpus):
    assert set(found(db_session, "human rights")) == {corpus[s].reference_code for s in ENGLISH}
    assert corpus["kh-cao-bang-2023"].reference_code in found(db_session, "communic*")
    assert len(found(db_session, "nguo*")) == len(corpus)
    assert found(db_session, "CORPUS-1") == [corpus[sorted(corpus)[1]].reference_code]


def test_exact_marks_rank_above_folded_ones(db_session, make_item, publish):
    publish(make_item(reference_code="FOLDED", texts={"vi": {"title": "Ảnh ở Ha Noi"}}))
    publish(make_item(reference_code="EXACT", texts={"vi": {"title": "Ảnh ở Hà Nội"}}))
    assert found(db_session, "Hà Nội")[:2] == ["EXACT", "FOLDED"]
    assert found(db_session, "ha noi")[:2] == ["FOLDED", "EXACT"]


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


def test_every_change_reaches_the_index(db_session, make_item, publish, make_user):
    user = make_user("admin")
    item = publish(make_item(reference_code="CHG-1", texts={"vi": {"title": "Tranh cổ động"}}))
    assert found(db_session, "tranh co dong") == ["CHG-1"]
    update_item(db_session, user, item, {"creator": "Phan Kế An"}, item.version)
    db_session.commit()
    assert found(db_session, "phan ke an") == ["CHG-1"]
    set_text(db_session, user, item, "fr", {"title": "Affiche de propagande à Hanoï"})
    db_session.commit()
    assert found(db_session, "hanoi affiche") == ["CHG-1"]
    apply_transition(db_session, user, item, "withdraw", "sai thông tin")
    db_session.commit()
    assert found(db_session, "affiche") == []
    assert found(db_session, "affiche", public=False) == ["CHG-1"]
    db_session.delete(item)
    db_session.commit()
    assert found(db_session, "affiche", public=False) == []
    assert check() == []


def test_a_rolled_back_change_leaves_no_task(app, db_session, make_item, make_user):
    app.config["SEARCH_APPLY"] = "inline"
    item = make_item()
    assert db_session.query(SearchTask).count() == 0
    update_item(db_session, make_user("admin"), item, {"creator": "X"}, item.version)
    db_session.rollback()
    assert db_session.query(SearchTask).count() == 0


def test_a_save_while_another_process_writes_leaves_the_task_queued(app, db_session, make_item, make_user):
    app.config["SEARCH_APPLY"] = "inline"
    item = make_item(reference_code="LOCKED-1")
    with search_index().try_writer() as holder:  # another writer holds the lock
        assert holder is not None
        update_item(db_session, make_user("admin"), item, {"creator": "Nguyễn Văn Trỗi"}, item.version)
        db_session.commit()  # does not wait, does not fail
        assert db_session.query(SearchTask).count() == 1
    assert [p[0] for p in check()] == [str(item.id)]
    assert apply_pending() == 1
    assert check() == []
    assert found(db_session, "nguyen van troi", public=False) == ["LOCKED-1"]


@pytest.mark.parametrize(
    "q", ['"Hà Nội', "AND", "OR", "-", "*", '"', "\x00\x07ab", "x" * 10_000, "((", "a:b", "ngu*" * 300]
)
def test_bad_queries_never_fail(client, make_item, publish, q):
    publish(make_item(texts={"vi": {"title": "Hà Nội, ngày 2 tháng 9"}}))
    assert client.get("/items", query_string={"q": q}).status_code == 200
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_data(True)


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


def test_staff_list_uses_the_index_when_q_is_given(login_as, make_item):
    client, _user = login_as("archivist")
    make_item(reference_code="STAFF-1", texts={"vi": {"title": "Đồng bào dân tộc thiểu số"}})
    html = client.get("/staff/items", query_string={"q": "dong bao"}).get_data(True)
    assert "STAFF-1" in html and "status-draft" in html


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


def test_search_api_refuses_an_unknown_order(client):
    response = client.get("/api/v1/search", query_string={"q": "x", "order": "sideways"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "order"


def test_snippets_escape_the_stored_text(client, make_item, publish):
    publish(make_item(texts={"vi": {"title": "Ảnh", "description": "<script>alert(1)</script> Hà Nội"}}))
    html = client.get("/items", query_string={"q": "ha noi"}).get_data(True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<mark" in html


def test_browsing_without_words_lists_newest_first_with_facets(client, make_item, publish):
    publish(make_item(reference_code="OLD", date="1954", texts={"vi": {"title": "Điện Biên Phủ"}}))
    publish(make_item(reference_code="NEW", date="1986", texts={"vi": {"title": "Đổi mới"}}))
    html = client.get("/items", query_string={"lang": "en"}).get_data(True)
    assert html.index("NEW") < html.index("OLD") and "1980–1989" in html
