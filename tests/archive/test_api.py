"""The JSON API v1: items, texts, terms, workflow, vocabulary, errors and the OpenAPI document."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from archive.models import Item, ItemStatus
from archive.services import snapshot
from archive.workflow import apply_transition
from core.audit import AuditEvent
from core.i18n import _

API = "/api/v1"

NEW_ITEM = {
    "reference_code": "TTXVN-1945-0001",
    "type": "photo",
    "date": "1945-09-02",
    "place": "vn-ha-noi",
    "creator": "Võ An Ninh",
    "body": "ttxvn",
    "rights": "https://rightsstatements.org/vocab/InC/1.0",
    "rights_note": "© TTXVN",
    "source_archive": "Trung tâm Lưu trữ quốc gia III",
    "fonds": "Phông Bộ Thông tin",
    "terms": ["ICCPR", "history"],
    "tags": ["Tuyên ngôn độc lập"],
    "texts": {
        "vi": {"title": "Lễ đọc Tuyên ngôn độc lập", "description": "Quảng trường Ba Đình", "state": "reviewed"},
        "en": {"title": "Reading of the Declaration of Independence", "state": "draft"},
    },
}


def stored(db_session, item_id) -> dict:
    """The item as the database holds it now, with its version and status."""
    db_session.rollback()  # forget the session's copy: read what is committed
    item = db_session.get(Item, item_id)
    state = snapshot(item) | {"version": item.version}
    db_session.rollback()
    return state


def item_count(db_session) -> int:
    db_session.rollback()
    return db_session.scalar(select(func.count(Item.id)))


def error_of(response, status):
    """The error object of a response, after checking its status and shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.json["error"]
    assert set(error) >= {"code", "message", "field"}
    assert error["message"]
    return error


@pytest.fixture
def move(db_session, make_user):
    """Factory: move an item through the workflow as a new curator, and commit."""

    def apply(item, *actions):
        curator = make_user("curator")
        for action in actions:
            comment = "Cần bổ sung" if action in ("send_back", "withdraw") else None
            apply_transition(db_session, curator, item, action, comment)
        db_session.commit()
        return item

    return apply


# --- Reading items -----------------------------------------------------------------------


def test_public_list_has_published_items_only(client, make_item, move):
    published = move(make_item(), "submit", "publish")
    make_item()
    body = client.get(f"{API}/items").json
    assert [i["id"] for i in body["items"]] == [published.id]
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)


def test_staff_list_has_every_status(client, make_item, move, auth):
    draft, review = make_item(), move(make_item(), "submit")
    body = client.get(f"{API}/items", headers=auth()).json
    assert {i["id"] for i in body["items"]} == {draft.id, review.id}
    only_review = client.get(f"{API}/items?status=review", headers=auth()).json
    assert [i["id"] for i in only_review["items"]] == [review.id]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=document", ["doc"]),
        ("place=vn-cao-bang", ["doc"]),
        ("term=CRC", ["doc"]),
        ("has_lang=fr", ["doc"]),
        ("has_lang=FR", ["doc"]),
        ("q=Ba%20%C4%90%C3%ACnh", ["photo"]),
        ("q=PHOTO-1", ["photo"]),
    ],
)
def test_list_filters(client, make_item, auth, query, expected):
    ids = {
        "photo": make_item(reference_code="PHOTO-1", texts={"vi": {"title": "Quảng trường Ba Đình"}}).id,
        "doc": make_item(
            reference_code="DOC-1", type="document", place="vn-cao-bang", terms=["CRC"],
            texts={"vi": {"title": "Kế hoạch"}, "fr": {"title": "Plan"}},
        ).id,
    }  # fmt: skip
    body = client.get(f"{API}/items?{query}", headers=auth()).json
    assert [i["id"] for i in body["items"]] == [ids[name] for name in expected]


def test_list_pages(client, make_item, auth):
    made = [make_item().id for _ in range(5)]
    headers = auth()
    first = client.get(f"{API}/items?per_page=2", headers=headers).json
    last = client.get(f"{API}/items?per_page=2&page=3", headers=headers).json
    assert (first["total"], first["pages"], first["per_page"]) == (5, 3, 2)
    assert [i["id"] for i in first["items"]] == made[::-1][:2]
    assert [i["id"] for i in last["items"]] == made[:1]


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("query", "field"),
    [("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=x", "page"),
     ("page=99999999999999999999", "page"), ("has_lang=xx-123", "has_lang")],
)  # fmt: skip
def test_list_refuses_bad_arguments(client, query, field):
    error = error_of(client.get(f"{API}/items?{query}"), 422)
    assert (error["code"], error["field"]) == ("invalid", field)


@pytest.mark.one_database
def test_list_refuses_unknown_status(client):
    error = error_of(client.get(f"{API}/items?status=lost"), 422)
    assert error["field"] == "status"
    assert "lost" in error["message"]


def test_get_item_serializes_every_field(client, auth, db_session):
    created = client.post(f"{API}/items", json=NEW_ITEM, headers=auth())
    item = client.get(created.headers["Location"], headers=auth()).json
    assert item["reference_code"] == "TTXVN-1945-0001"
    assert item["date"] == {"text": "1945-09-02", "start": "1945-09-02", "end": "1945-09-02", "approximate": False}
    assert item["place"]["code"] == "vn-ha-noi" and item["place"]["names"]["en"] == "Hanoi"
    assert item["body"]["code"] == "ttxvn"
    assert [t["code"] for t in item["terms"]] == ["ICCPR", "history"]
    assert item["terms"][0]["labels"]["en"] == "International Covenant on Civil and Political Rights"
    assert item["tags"] == ["Tuyên ngôn độc lập"]
    assert item["texts"]["vi"]["title"] == "Lễ đọc Tuyên ngôn độc lập"
    assert item["texts"]["vi"]["state"] == "reviewed"
    assert item["texts"]["en"]["state"] == "draft"
    assert (item["status"], item["version"], item["media"]) == ("draft", 1, [])
    assert item["links"]["self"] == f"http://vitrine.test{API}/items/{item['id']}"
    assert item["created_at"].endswith("+00:00")
    assert {"creator", "source_archive", "fonds", "updated_at"} <= set(item)
    assert (item["rights"], item["rights_note"], item["rights_flagged"]) == (INC, "© TTXVN", False)


INC = "http://rightsstatements.org/vocab/InC/1.0/"


@pytest.mark.one_database
@pytest.mark.parametrize("given", ["© TTXVN", "CC BY 3.0", "https://example.org/licenses/by/4.0/", "CC BY", 7])
def test_rights_other_than_a_statement_are_refused_naming_the_value(client, auth, db_session, given):
    error = error_of(client.post(f"{API}/items?lang=en", json=NEW_ITEM | {"rights": given}, headers=auth()), 422)
    assert error["field"] == "rights" and (str(given) in error["message"] or given == 7)
    assert "Unknown rights statement" in error["message"] or given == 7
    assert item_count(db_session) == 0


def test_rights_given_by_short_name_are_stored_as_the_uri_and_filtered_on(client, auth, make_item):
    created = client.post(f"{API}/items", json=NEW_ITEM | {"rights": "cc-by-nc-sa-4.0"}, headers=auth()).json
    assert created["rights"] == "http://creativecommons.org/licenses/by-nc-sa/4.0/"
    left_out = client.post(f"{API}/items", json={k: v for k, v in NEW_ITEM.items() if k != "rights"}
                           | {"reference_code": "TTXVN-2"}, headers=auth()).json  # fmt: skip
    assert left_out["rights"] == "http://rightsstatements.org/vocab/CNE/1.0/"
    found = client.get(f"{API}/items?rights=CC BY-NC-SA 4.0", headers=auth()).json["items"]
    assert [item["id"] for item in found] == [created["id"]]
    assert error_of(client.get(f"{API}/items?rights=mine", headers=auth()), 422)["field"] == "rights"


def test_the_public_reads_the_rights_without_the_archivists_note_and_flag(client, auth, make_item, move):
    item = move(make_item(rights="CNE", rights_note="Ảnh gia đình tặng", rights_flagged=True), "submit", "publish")
    public = client.get(f"{API}/items/{item.id}").json
    assert public["rights"] == "http://rightsstatements.org/vocab/CNE/1.0/"
    assert "rights_note" not in public and "rights_flagged" not in public
    assert "rights_note" not in client.get(f"{API}/items").json["items"][0]
    staff = client.get(f"{API}/items/{item.id}", headers=auth()).json
    assert (staff["rights_note"], staff["rights_flagged"]) == ("Ảnh gia đình tặng", True)


def test_choosing_rights_settles_their_review_unless_told_otherwise(client, auth, make_item, db_session):
    flagged = make_item(rights="CNE", rights_note="Ảnh gia đình tặng", rights_flagged=True)
    other = make_item()
    listed = client.get(f"{API}/items?rights_flagged=true", headers=auth()).json["items"]
    assert [item["id"] for item in listed] == [flagged.id] and other.rights_flagged is False
    still = {"rights": "InC-EDU", "rights_flagged": True, "version": 1}
    assert client.patch(f"{API}/items/{flagged.id}", json=still, headers=auth()).json["rights_flagged"] is True
    settled = client.patch(f"{API}/items/{flagged.id}", json={"rights": "InC", "version": 2}, headers=auth()).json
    assert (settled["rights"], settled["rights_note"], settled["rights_flagged"]) == (INC, "Ảnh gia đình tặng", False)
    assert stored(db_session, flagged.id)["rights"] == INC


def test_public_gets_published_item_but_not_a_draft(client, make_item, move):
    draft, published = make_item(), move(make_item(), "submit", "publish")
    assert client.get(f"{API}/items/{published.id}").json["status"] == "published"
    error = error_of(client.get(f"{API}/items/{draft.id}"), 404)
    assert error["code"] == "not_found"


@pytest.mark.one_database
@pytest.mark.parametrize("item_id", ["9999", "2147483648", "99999999999999999999"])
def test_missing_item_is_404_for_staff(client, auth, item_id):
    assert error_of(client.get(f"{API}/items/{item_id}", headers=auth()), 404)["code"] == "not_found"


# --- Authentication ----------------------------------------------------------------------


def test_create_without_token_is_401_and_stores_nothing(client, db_session):
    response = client.post(f"{API}/items", json=NEW_ITEM)
    assert error_of(response, 401)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert item_count(db_session) == 0


@pytest.mark.one_database
@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_bad_credentials_are_401_even_for_reads(client, header, make_item):
    item = make_item()
    assert error_of(client.get(f"{API}/items", headers={"Authorization": header}), 401)
    response = client.patch(f"{API}/items/{item.id}", json={"creator": "X", "version": 1},
                            headers={"Authorization": header})  # fmt: skip
    assert error_of(response, 401)["code"] == "unauthorized"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_token_of_a_disabled_account_is_refused(client, make_user, auth, db_session):
    user = make_user("curator")
    headers = auth(user=user)
    user.is_active_flag = False
    db_session.commit()
    assert error_of(client.get(f"{API}/items", headers=headers), 401)


@pytest.mark.one_database
def test_session_cookie_does_not_authenticate_the_api(login_as, make_item, db_session):
    item = make_item()
    browser, _admin = login_as("admin")
    assert error_of(browser.post(f"{API}/items", json=NEW_ITEM), 401)
    assert error_of(browser.get(f"{API}/items/{item.id}"), 404)
    assert item_count(db_session) == 1


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


@pytest.mark.one_database
def test_api_needs_no_csrf_token(csrf_on, client, auth, app):
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert client.post(f"{API}/items", json=NEW_ITEM, headers=auth()).status_code == 201


# --- Creating and updating ---------------------------------------------------------------


def test_create_returns_201_with_location(client, auth, db_session):
    response = client.post(f"{API}/items", json=NEW_ITEM, headers=auth())
    assert response.status_code == 201
    item_id = response.json["id"]
    assert response.headers["Location"] == f"http://vitrine.test{API}/items/{item_id}"
    state = stored(db_session, item_id)
    assert state["reference_code"] == "TTXVN-1945-0001"
    assert state["status"] == "draft"
    assert state["terms"] == ["ICCPR", "history"]
    assert set(state["texts"]) == {"vi", "en"}
    events = db_session.scalars(select(AuditEvent).filter_by(record_type="item", record_id=item_id)).all()
    assert [e.action for e in events] == ["create"]


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"terms": ["ICCPR", "NOPE"]}, "terms", "NOPE"),
        ({"date": "2 tháng 9"}, "date", "2 tháng 9"),
        ({"date": "1945-13"}, "date", "13"),
        ({"place": "atlantis"}, "place", "atlantis"),
        ({"texts": {"xx-123": {"title": "?"}}}, "texts.xx-123.lang", "xx-123"),
        ({"type": "statue"}, "type", "statue"),
        ({"reference_code": None}, "reference_code", ""),
        ({"texts": {"vi": {"description": "no title"}}}, "texts.vi.title", ""),
        ({"terms": "ICCPR"}, "terms", ""),
        ({"colour": "red"}, "colour", ""),
    ],
)
def test_create_refuses_invalid_data_naming_the_field(client, auth, db_session, change, field, words):
    response = client.post(f"{API}/items", json=NEW_ITEM | change, headers=auth())
    error = error_of(response, 422)
    assert (error["code"], error["field"]) == ("invalid", field)
    assert words in error["message"]
    assert item_count(db_session) == 0


def test_create_refuses_a_used_reference_code(client, auth, make_item, db_session):
    make_item(reference_code="TTXVN-1945-0001")
    error = error_of(client.post(f"{API}/items", json=NEW_ITEM, headers=auth()), 422)
    assert error["field"] == "reference_code"
    assert "TTXVN-1945-0001" in error["message"]
    assert item_count(db_session) == 1


@pytest.mark.one_database
def test_create_lists_every_schema_problem(client, auth):
    error = error_of(client.post(f"{API}/items", json={"tags": [1]}, headers=auth()), 422)
    assert {d["field"] for d in error["details"]} == {"reference_code", "type", "tags.0"}


@pytest.mark.one_database
@pytest.mark.parametrize("payload", ['{"reference_code": "A",', "not json", '{"a": 1}}'])
def test_malformed_json_is_a_400_json_error(client, auth, db_session, payload):
    response = client.post(f"{API}/items", data=payload, content_type="application/json", headers=auth())
    assert error_of(response, 400)["code"] == "invalid_json"
    assert item_count(db_session) == 0


@pytest.mark.one_database
def test_a_json_array_is_not_an_item(client, auth):
    response = client.post(f"{API}/items?lang=en", json=[NEW_ITEM], headers=auth())
    error = error_of(response, 422)
    assert error["field"] is None
    assert error["message"] == "A JSON object is expected here."


def test_update_with_current_version(client, auth, make_item, db_session):
    item = make_item()
    response = client.patch(f"{API}/items/{item.id}", json={"creator": "Đinh Đăng Định", "date": "c. 1954",
                                                             "version": 1}, headers=auth())  # fmt: skip
    assert response.status_code == 200
    assert response.json["version"] == 2
    assert response.json["date"] == {"text": "c. 1954", "start": "1954-01-01", "end": "1954-12-31", "approximate": True}
    state = stored(db_session, item.id)
    assert (state["creator"], state["version"]) == ("Đinh Đăng Định", 2)
    assert state["texts"]["vi"]["title"] == "Ảnh tư liệu số 1"  # untouched fields stay


def test_update_from_a_stale_version_is_409_and_changes_nothing(client, auth, make_item, db_session):
    item = make_item()
    headers = auth()
    client.patch(f"{API}/items/{item.id}", json={"creator": "First", "version": 1}, headers=headers)
    before = stored(db_session, item.id)
    response = client.patch(f"{API}/items/{item.id}", json={"creator": "Second", "version": 1}, headers=headers)
    error = error_of(response, 409)
    assert (error["code"], error["field"]) == ("conflict", "version")
    assert stored(db_session, item.id) == before


def test_update_needs_a_version(client, auth, make_item, db_session):
    item = make_item()
    before = stored(db_session, item.id)
    error = error_of(client.patch(f"{API}/items/{item.id}", json={"creator": "X"}, headers=auth()), 422)
    assert error["field"] == "version"
    assert stored(db_session, item.id) == before


def test_invalid_update_changes_nothing(client, auth, make_item, db_session):
    item = make_item()
    before = stored(db_session, item.id)
    change = {"creator": "Changed", "date": "someday", "version": 1}
    assert error_of(client.patch(f"{API}/items/{item.id}", json=change, headers=auth()), 422)["field"] == "date"
    assert stored(db_session, item.id) == before


def test_archivist_cannot_edit_a_published_item(client, auth, make_item, move, db_session):
    item = move(make_item(), "submit", "publish")
    before = stored(db_session, item.id)
    change = {"creator": "X", "version": before["version"]}
    error = error_of(client.patch(f"{API}/items/{item.id}", json=change, headers=auth("archivist")), 403)
    assert error["code"] == "forbidden"
    assert stored(db_session, item.id) == before
    assert client.patch(f"{API}/items/{item.id}", json=change, headers=auth("curator")).status_code == 200


def test_update_of_a_missing_item_is_404(client, auth):
    assert error_of(client.patch(f"{API}/items/404", json={"version": 1}, headers=auth()), 404)


# --- Texts per language and terms --------------------------------------------------------


def test_put_text_adds_a_language(client, auth, make_item, db_session):
    item = make_item()
    text = {"title": "Photo d'archive", "caption": "Hà Nội, 1945", "state": "machine", "version": 1}
    response = client.put(f"{API}/items/{item.id}/texts/FR", json=text, headers=auth())
    assert response.status_code == 200
    assert response.json["texts"]["fr"]["caption"] == "Hà Nội, 1945"
    state = stored(db_session, item.id)
    assert state["texts"]["fr"]["state"] == "machine"
    assert state["version"] == 2


def test_put_text_replaces_a_language_in_a_minority_tag(client, auth, make_item, db_session):
    item = make_item(texts={"vi": {"title": "Ảnh"}, "tyz": {"title": "Cũ"}})
    response = client.put(
        f"{API}/items/{item.id}/texts/tyz", json={"title": "Mới", "version": item.version}, headers=auth()
    )
    assert response.status_code == 200
    assert stored(db_session, item.id)["texts"]["tyz"]["title"] == "Mới"


@pytest.mark.one_database
def test_put_text_refuses_an_invalid_tag(client, auth, make_item, db_session):
    item = make_item()
    before = stored(db_session, item.id)
    error = error_of(
        client.put(f"{API}/items/{item.id}/texts/xx-123", json={"title": "?", "version": item.version}, headers=auth()),
        422,
    )
    assert (error["code"], error["field"]) == ("invalid", "lang")
    assert "xx-123" in error["message"]
    assert stored(db_session, item.id) == before


def test_put_text_checks_the_version_from_the_query(client, auth, make_item, db_session):
    item = make_item()
    before = stored(db_session, item.id)
    response = client.put(f"{API}/items/{item.id}/texts/en?version=7", json={"title": "Photo"}, headers=auth())
    assert error_of(response, 409)["field"] == "version"
    assert stored(db_session, item.id) == before


@pytest.mark.one_database
def test_put_text_needs_a_title(client, auth, make_item, db_session):
    item = make_item()
    error = error_of(
        client.put(f"{API}/items/{item.id}/texts/en", json={"caption": "c", "version": item.version}, headers=auth()),
        422,
    )
    assert error["field"] == "title"


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_text_change_without_the_version_is_refused(client, auth, make_item, db_session, method):
    item = make_item(texts={"vi": {"title": "Ảnh"}, "en": {"title": "Photo"}})
    before = stored(db_session, item.id)
    body = {"title": "Lost update"} if method == "put" else None
    response = getattr(client, method)(f"{API}/items/{item.id}/texts/en?lang=en", json=body, headers=auth())
    error = error_of(response, 428)
    assert (error["code"], error["field"]) == ("version_required", "version")
    assert f"version {before['version']}" in error["message"]
    assert stored(db_session, item.id) == before


def test_delete_text(client, auth, make_item, db_session):
    item = make_item(texts={"vi": {"title": "Ảnh"}, "en": {"title": "Photo"}})
    response = client.delete(f"{API}/items/{item.id}/texts/en?version=1", headers=auth())
    assert response.status_code == 200
    assert set(response.json["texts"]) == {"vi"}
    assert set(stored(db_session, item.id)["texts"]) == {"vi"}


def test_delete_a_missing_language_is_refused(client, auth, make_item, db_session):
    item = make_item()
    before = stored(db_session, item.id)
    error = error_of(client.delete(f"{API}/items/{item.id}/texts/fr?version={item.version}", headers=auth()), 422)
    assert error["field"] == "lang"
    assert stored(db_session, item.id) == before


def test_vietnamese_texts_stay_once_an_item_left_draft(client, auth, make_item, move, db_session):
    item = move(make_item(), "submit")
    before = stored(db_session, item.id)
    error = error_of(
        client.delete(f"{API}/items/{item.id}/texts/vi?version={item.version}", headers=auth("curator")), 422
    )
    assert error["field"] == "texts.vi.title"
    assert stored(db_session, item.id) == before


def test_put_terms(client, auth, make_item, db_session):
    item = make_item()
    response = client.put(f"{API}/items/{item.id}/terms", json={"terms": ["CEDAW", "upr"]}, headers=auth())
    assert [t["code"] for t in response.json["terms"]] == ["CEDAW", "upr"]
    assert stored(db_session, item.id)["terms"] == ["CEDAW", "upr"]


def test_put_unknown_terms_changes_nothing(client, auth, make_item, db_session):
    item = make_item()
    before = stored(db_session, item.id)
    response = client.put(f"{API}/items/{item.id}/terms", json={"terms": ["CEDAW", "XYZ"]}, headers=auth())
    error = error_of(response, 422)
    assert error["field"] == "terms"
    assert "XYZ" in error["message"]
    assert stored(db_session, item.id) == before


# --- Workflow ----------------------------------------------------------------------------


def transition(client, item_id, headers, **body):
    return client.post(f"{API}/items/{item_id}/transitions", json=body, headers=headers)


def test_archivist_submits_and_curator_publishes(client, auth, make_item, db_session):
    item = make_item()
    assert transition(client, item.id, auth("archivist"), action="submit", version=1).json["status"] == "review"
    published = transition(client, item.id, auth("curator"), action="publish", comment="Đạt")
    assert published.status_code == 200
    assert published.json["status"] == "published"
    assert stored(db_session, item.id)["status"] == "published"
    assert client.get(f"{API}/items/{item.id}").status_code == 200  # now public
    event = db_session.scalars(select(AuditEvent).filter_by(record_id=item.id, action="publish")).one()
    assert event.comment == "Đạt"


def test_archivist_cannot_publish(client, auth, make_item, move, db_session):
    item = move(make_item(), "submit")
    before = stored(db_session, item.id)
    error = error_of(transition(client, item.id, auth("archivist"), action="publish"), 403)
    assert (error["code"], error["field"]) == ("forbidden", "action")
    assert stored(db_session, item.id) == before


@pytest.mark.parametrize(
    ("status_actions", "body", "status", "field"),
    [
        ((), {"action": "publish"}, 422, "status"),  # a draft is not in review
        (("submit",), {"action": "send_back"}, 422, "comment"),
        (("submit",), {"action": "publish", "version": 1}, 409, "version"),
        (("submit",), {"action": "explode"}, 422, "action"),
        (("submit",), {}, 422, "action"),
    ],
)
def test_refused_transitions_change_nothing(client, auth, make_item, move, db_session, status_actions, body,
                                            status, field):  # fmt: skip
    item = move(make_item(), *status_actions)
    before = stored(db_session, item.id)
    assert error_of(transition(client, item.id, auth("curator"), **body), status)["field"] == field
    assert stored(db_session, item.id) == before


@pytest.mark.one_database
def test_submit_needs_a_vietnamese_title(client, auth, make_item, db_session):
    item = make_item(texts={"en": {"title": "Only English"}})
    error = error_of(transition(client, item.id, auth(), action="submit"), 422)
    assert error["field"] == "texts.vi.title"
    assert stored(db_session, item.id)["status"] == ItemStatus.DRAFT


@pytest.mark.one_database
def test_history_is_for_staff(client, auth, make_item, move):
    item = move(make_item(), "submit")
    assert error_of(client.get(f"{API}/items/{item.id}/history"), 401)
    events = client.get(f"{API}/items/{item.id}/history", headers=auth()).json
    assert [e["action"] for e in events] == ["submit", "create"]
    assert events[0]["before"] == {"status": "draft"} and events[0]["after"] == {"status": "review"}
    assert events[0]["user"].startswith("curator")
    assert error_of(client.get(f"{API}/items/999/history", headers=auth()), 404)


# --- Vocabulary --------------------------------------------------------------------------


@pytest.mark.one_database
def test_schemes_and_their_terms(client):
    schemes = client.get(f"{API}/schemes").json
    assert [s["code"] for s in schemes] == ["conventions", "themes", "content-lines"]
    terms = client.get(f"{API}/schemes/conventions/terms").json
    assert [t["code"] for t in terms] == ["ICCPR", "ICESCR", "CEDAW", "CERD", "CRC", "CRPD", "CAT"]
    assert terms[4]["labels"]["vi"] == "Công ước về quyền trẻ em"
    assert error_of(client.get(f"{API}/schemes/nothing/terms"), 404)["field"] == "code"


@pytest.mark.one_database
def test_one_term(client):
    term = client.get(f"{API}/terms/children-online").json
    assert term == {"code": "children-online", "scheme": "themes", "labels": term["labels"]}
    assert term["labels"]["en"] == "Children online"
    assert error_of(client.get(f"{API}/terms/XYZ"), 404)["code"] == "not_found"


@pytest.mark.one_database
def test_places_by_kind(client):
    abroad = client.get(f"{API}/places?kind=abroad").json
    assert {p["code"] for p in abroad} == {"new-york", "geneva", "bangkok", "paris", "vientiane", "phnom-penh"}
    assert next(p for p in abroad if p["code"] == "geneva")["country"] == "CH"
    assert error_of(client.get(f"{API}/places?kind=planet"), 422)["field"] == "kind"


def test_places_valid_on_a_day_follow_the_2025_reorganisation(client):
    def codes(day):
        return {p["code"] for p in client.get(f"{API}/places?valid_on={day}").json if p["country"] == "VN"}

    before, after = codes("2025-06-30"), codes("2025-07-01")
    assert len(before) == 63 and len(after) == 34
    assert "vn-ha-giang" in before and "vn-ha-giang" not in after
    places = {p["code"]: p for p in client.get(f"{API}/places").json}
    assert places["vn-ha-giang"]["valid_to"] == "2025-06-30"
    assert places["vn-ha-giang"]["successor"] == "vn-tuyen-quang"
    assert date.fromisoformat(places["vn-hue"]["valid_from"]) == date(2025, 1, 1)


@pytest.mark.one_database
def test_places_refuse_a_bad_day(client):
    error = error_of(client.get(f"{API}/places?valid_on=2025-02-30"), 422)
    assert error["field"] == "valid_on"


@pytest.mark.one_database
def test_bodies(client):
    bodies = {b["code"]: b for b in client.get(f"{API}/bodies").json}
    assert bodies["ttxvn"]["kind"] == "press"
    assert bodies["bnv"]["names"]["vi"] == "Bộ Nội vụ"


# --- Errors and languages ----------------------------------------------------------------


@pytest.mark.one_database
def test_unknown_route_is_a_json_404(client):
    assert error_of(client.get(f"{API}/exhibits"), 404)["code"] == "not_found"
    assert error_of(client.get(f"{API}/items/abc"), 404)["code"] == "not_found"


@pytest.mark.one_database
def test_wrong_method_is_a_json_405(client, auth):
    response = client.delete(f"{API}/items", headers=auth())
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "DELETE" in response.json["error"]["message"]
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.one_database
def test_pages_outside_the_api_keep_their_error_handler(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    # core.errors' shape, not flask-smorest's {"code": 404, "status": ...}
    assert response.json["error"]["code"] == "not_found"


def translated(app, lang, message, **values) -> str:
    """`message` as the app says it to a reader of `lang` (in a fresh context: the locale is cached in g)."""
    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        return _(message, **values)


@pytest.mark.one_database
def test_messages_follow_the_request_language(client, app):
    expected = {lang: translated(app, lang, "There is no published item %(id)s.", id=9) for lang in ("en", "fr")}
    assert expected["fr"] != expected["en"] == "There is no published item 9."
    assert error_of(client.get(f"{API}/items/9?lang=fr"), 404)["message"] == expected["fr"]
    assert error_of(client.get(f"{API}/items/9?lang=en"), 404)["message"] == expected["en"]


@pytest.mark.one_database
def test_argument_and_routing_messages_are_translated(app, auth):
    client = app.test_client()  # a fresh cookie jar: Accept-Language alone chooses
    headers = auth() | {"Accept-Language": "fr-CH, en;q=0.5"}
    error = error_of(client.post(f"{API}/items", json={"type": "photo"}, headers=headers), 422)
    problem = translated(app, "fr", "This field is required.")
    assert problem != "This field is required."
    assert error["message"] == translated(app, "fr", "%(field)s: %(problem)s", field="reference_code", problem=problem)
    assert error["details"] == [{"field": "reference_code", "message": problem}]
    error = error_of(client.get(f"{API}/nowhere", headers=headers), 404)
    assert error["message"] == translated(app, "fr", "There is nothing at this address of the API.")
    error = error_of(client.get(f"{API}/items?per_page=500", headers=headers), 422)
    assert error["details"][0]["message"] == translated(app, "fr", "Give a number from %(min)s to %(max)s.", min=1,
                                                        max=100)  # fmt: skip


# --- The OpenAPI document ----------------------------------------------------------------


def _openapi_path(rule) -> str:
    return re.sub(r"<(?:[^<>:]+:)?(\w+)>", r"{\1}", rule.rule)  # <int(max=9):item_id> → {item_id}


@pytest.mark.one_database
def test_openapi_documents_every_api_route(client, app):
    doc = client.get(f"{API}/openapi.json").json
    assert doc["openapi"].startswith("3.")
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/"):
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            routes.setdefault(_openapi_path(rule), set()).update(methods)
    documented = {path: set(ops) - {"parameters"} for path, ops in doc["paths"].items()}
    assert documented == routes


@pytest.mark.one_database
def test_openapi_error_responses_use_the_error_schema(client):
    doc = client.get(f"{API}/openapi.json").json
    error_ref = "#/components/schemas/ErrorResponse"
    assert doc["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["$ref"] == "#/components/schemas/Error"
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for path, operations in doc["paths"].items():
        if path.endswith("openapi.json"):
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "401" in responses, (method, path)  # any call may carry a bad token
            if "{item_id}" in path or "{code}" in path:
                assert "404" in responses, (method, path)
            if method != "get":
                assert {"401", "422"} <= set(responses), (method, path)
                assert {"bearerAuth": []} in operation["security"]
            if method in ("patch", "put", "delete") or path.endswith("transitions"):
                assert {"403", "409"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status == "default" or int(status) >= 400:
                    name = response["$ref"].rsplit("/", 1)[1]
                    schema = doc["components"]["responses"][name]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": error_ref}, (method, path, status)
