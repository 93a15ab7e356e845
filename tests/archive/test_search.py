"""Full-text search on items made for each test: ranking, changes reaching the index, bad queries (the real
documents are searched in test_search_corpus.py)."""

import pytest

from archive.searching import search_items
from archive.services import set_text, update_item
from archive.workflow import apply_transition
from core.search import SearchTask, apply_pending, check, search_index


@pytest.fixture
def publish(db_session, make_user):
    curator = make_user("curator")

    def publish(item):
        apply_transition(db_session, curator, item, "submit")
        apply_transition(db_session, curator, item, "publish")
        db_session.commit()
        return item

    return publish


def found(db_session, q, public=True, **filters):
    page = search_items(db_session, {"q": q, **filters}, "vi", public=public, per_page=50)
    return [item.reference_code for item in page.items]


@pytest.mark.one_database
def test_a_place_name_of_short_syllables_matches(db_session, make_item, publish):
    publish(make_item(reference_code="NGHE-AN", place="vn-nghe-an", texts={"vi": {"title": "Lễ hội"}}))
    for q in ("Nghệ An", "nghe an", '"NGHỆ AN"', "nghe*"):
        assert found(db_session, q) == ["NGHE-AN"], q


@pytest.mark.one_database
def test_exact_marks_rank_above_folded_ones(db_session, make_item, publish):
    publish(make_item(reference_code="FOLDED", texts={"vi": {"title": "Ảnh ở Ha Noi"}}))
    publish(make_item(reference_code="EXACT", texts={"vi": {"title": "Ảnh ở Hà Nội"}}))
    assert found(db_session, "Hà Nội")[:2] == ["EXACT", "FOLDED"]
    assert found(db_session, "ha noi")[:2] == ["FOLDED", "EXACT"]


def test_every_change_reaches_the_index(db_session, make_item, publish, make_user):
    user = make_user("admin")
    item = publish(make_item(reference_code="CHG-1", texts={"vi": {"title": "Tranh cổ động"}}))
    assert found(db_session, "tranh co dong") == ["CHG-1"]
    update_item(db_session, user, item, {"creator": "Phan Kế An"}, item.version)
    db_session.commit()
    assert found(db_session, "phan ke an") == ["CHG-1"]
    set_text(db_session, user, item, "fr", {"title": "Affiche de propagande à Hanoï"}, item.version)
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


@pytest.mark.one_database
@pytest.mark.parametrize(
    "q", ['"Hà Nội', "AND", "OR", "-", "*", '"', "\x07\x1bab", "x" * 10_000, "((", "a:b", "ngu*" * 300]
)
def test_bad_queries_never_fail(client, make_item, publish, q):
    publish(make_item(texts={"vi": {"title": "Hà Nội, ngày 2 tháng 9"}}))
    assert client.get("/items", query_string={"q": q}).status_code == 200
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_data(True)


@pytest.mark.one_database
def test_staff_list_uses_the_index_when_q_is_given(login_as, make_item):
    client, _user = login_as("archivist")
    make_item(reference_code="STAFF-1", texts={"vi": {"title": "Đồng bào dân tộc thiểu số"}})
    html = client.get("/staff/items", query_string={"q": "dong bao"}).get_data(True)
    assert "STAFF-1" in html and "status-draft" in html


@pytest.mark.one_database
def test_search_api_refuses_an_unknown_order(client):
    response = client.get("/api/v1/search", query_string={"q": "x", "order": "sideways"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "order"


@pytest.mark.one_database
def test_snippets_escape_the_stored_text(client, make_item, publish):
    publish(make_item(texts={"vi": {"title": "Ảnh", "description": "<script>alert(1)</script> Hà Nội"}}))
    html = client.get("/items", query_string={"q": "ha noi"}).get_data(True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<mark" in html


@pytest.mark.one_database
def test_browsing_without_words_lists_newest_first_with_facets(client, make_item, publish):
    publish(make_item(reference_code="OLD", date="1954", texts={"vi": {"title": "Điện Biên Phủ"}}))
    publish(make_item(reference_code="NEW", date="1986", texts={"vi": {"title": "Đổi mới"}}))
    html = client.get("/items", query_string={"lang": "en"}).get_data(True)
    assert html.index("NEW") < html.index("OLD") and "1980–1989" in html
