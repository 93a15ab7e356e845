import re

import pytest
from sqlalchemy import select

from archive.models import Item, ItemStatus
from archive.workflow import apply_transition

# Pages through the client; the services and queries under them are checked on both databases.
pytestmark = pytest.mark.one_database


def _publish(db_session, item, user):
    apply_transition(db_session, user, item, "submit")
    apply_transition(db_session, user, item, "publish")
    db_session.commit()


def test_public_sees_published_items_only_and_drafts_are_404(client, db_session, make_item, make_user):
    draft = make_item(texts={"vi": {"title": "Bản nháp bí mật"}})
    published = make_item(texts={"vi": {"title": "Ảnh đã công bố"}})
    _publish(db_session, published, make_user("curator"))
    listing = client.get("/items?lang=vi").get_data(as_text=True)
    assert "Ảnh đã công bố" in listing and "Bản nháp bí mật" not in listing
    assert client.get(f"/items/{published.id}").status_code == 200
    assert client.get(f"/items/{draft.id}").status_code == 404
    assert client.get("/items/99999").status_code == 404


def test_locale_from_query_then_cookie_then_accept_language(client):
    assert '<html lang="fr">' in client.get("/items", headers={"Accept-Language": "fr-CH, en;q=0.5"}).get_data(True)
    response = client.get("/items?lang=en", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in response.get_data(True)
    assert "vitrine_lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/items", headers={"Accept-Language": "fr"}).get_data(True)
    assert '<html lang="vi">' in client.get("/items?lang=vi").get_data(True)


def test_staff_pages_need_login_and_redirect(client):
    response = client.get("/staff/items")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_archivist_creates_an_item_through_the_form(login_as, db_session):
    client, _user = login_as("archivist")
    assert "texts-vi-title" in client.get("/staff/items/new?add_lang=fr").get_data(True)
    response = client.post("/staff/items/new", data={
        "reference_code": "VTR-F-1", "type": "photo", "date": "1975-04-30", "place": "vn-ho-chi-minh", "body": "",
        "terms": ["ICCPR", "history"], "tags": "thống nhất, 1975",
        "texts-vi-title": "Ngày thống nhất", "texts-vi-state": "reviewed",
        "texts-fr-title": "Jour de la réunification", "texts-fr-state": "machine",
        "texts-tyz-title": "", "texts-tyz-state": "draft",
    })  # fmt: skip
    assert response.status_code == 302
    db_session.rollback()  # end the test's read snapshot to see the request's commit
    item = db_session.scalar(select(Item).where(Item.reference_code == "VTR-F-1"))
    assert sorted(item.languages) == ["fr", "vi"] and item.text_for("fr").state == "machine"
    assert [t.code for t in item.terms] == ["history", "ICCPR"] or {t.code for t in item.terms} == {"ICCPR", "history"}
    assert sorted(t.label for t in item.tags) == ["1975", "thống nhất"]
    page = client.get(response.headers["Location"]).get_data(True)
    assert "VTR-F-1" in page and "Submit for review" in page or "Gửi duyệt" in page


def test_form_errors_name_the_fields_in_the_users_language(login_as, db_session, make_item):
    make_item(reference_code="TAKEN")
    client, _user = login_as("archivist")
    response = client.post("/staff/items/new?lang=en", data={
        "reference_code": "TAKEN", "type": "photo", "date": "1945-13", "texts-vi-title": "x",
        "texts-xx-123-title": "bad tag",
    })  # fmt: skip
    body = response.get_data(True)
    assert response.status_code == 422
    db_session.rollback()
    assert "already used by another item" in body and "no month 13" in body and "not a valid language tag" in body
    assert db_session.scalar(select(Item).where(Item.reference_code == "TAKEN")).texts[0].title != "x"
    french = client.post(
        "/staff/items/new?lang=fr", data={"reference_code": "TAKEN", "type": "photo", "texts-vi-title": "x"}
    )
    assert "déjà utilisé" in french.get_data(True)


def test_second_save_from_an_old_version_is_refused(login_as, db_session, make_item):
    item = make_item()
    client, _user = login_as("curator")
    form = {"reference_code": item.reference_code, "type": "photo", "texts-vi-title": "Lần một", "version": "1"}
    assert client.post(f"/staff/items/{item.id}/edit", data=form).status_code == 302
    stale = client.post(f"/staff/items/{item.id}/edit?lang=en", data=form | {"texts-vi-title": "Lần hai"})
    assert stale.status_code == 409 and "Someone else saved this item" in stale.get_data(True)
    db_session.rollback()
    assert db_session.get(Item, item.id).text_for("vi").title == "Lần một"


def test_review_queue_publish_and_send_back_with_comment(login_as, db_session, make_item, make_user):
    archivist = make_user("archivist")
    first, second = make_item(user=archivist), make_item(user=archivist)
    for item in (first, second):
        apply_transition(db_session, archivist, item, "submit")
    db_session.commit()
    client, _curator = login_as("curator")
    queue = client.get("/staff/review").get_data(True)
    assert first.reference_code in queue and second.reference_code in queue
    client.post(f"/staff/items/{first.id}/transition", data={"action": "publish", "version": first.version})
    send_back = {"action": "send_back", "version": second.version, "comment": "Thiếu chú thích tiếng Anh"}
    client.post(f"/staff/items/{second.id}/transition", data=send_back)
    db_session.rollback()
    assert db_session.get(Item, first.id).status == ItemStatus.PUBLISHED
    assert db_session.get(Item, second.id).status == ItemStatus.DRAFT
    history = client.get(f"/staff/items/{second.id}").get_data(True)
    assert "Thiếu chú thích tiếng Anh" in history


def test_archivist_may_not_publish(login_as, db_session, make_item):
    client, archivist = login_as("archivist")
    item = make_item(user=archivist)
    apply_transition(db_session, archivist, item, "submit")
    db_session.commit()
    response = client.post(f"/staff/items/{item.id}/transition?lang=en",
                           data={"action": "publish", "version": item.version}, follow_redirects=True)  # fmt: skip
    assert "Your role may not do this" in response.get_data(True)
    db_session.rollback()
    assert db_session.get(Item, item.id).status == ItemStatus.REVIEW


def test_staff_list_filters(login_as, make_item):
    make_item(
        reference_code="DOC-1", type="document", texts={"vi": {"title": "Quyết định"}, "fr": {"title": "Décision"}}
    )
    make_item(reference_code="PHO-1", type="photo")
    client, _user = login_as("archivist")
    body = client.get("/staff/items?type=document").get_data(True)
    assert "DOC-1" in body and "PHO-1" not in body
    body = client.get("/staff/items?has_lang=fr").get_data(True)
    assert "DOC-1" in body and "PHO-1" not in body
    assert client.get("/staff/items?has_lang=%%%").status_code == 422


def test_media_is_served_with_its_type_and_nosniff(client, db_session, make_item, make_user, app):
    from archive.imaging import render_demo_photo
    from archive.models import MediaFile
    from core.storage import get_storage

    item = make_item()
    sha, size, _ = get_storage().save_bytes(render_demo_photo(1, "x"))
    item.media.append(MediaFile(sha256=sha, size=size, mime_type="image/jpeg"))
    db_session.commit()
    media_id = item.media[0].id
    assert client.get(f"/media/{media_id}").status_code == 404  # draft item
    _publish(db_session, item, make_user("curator"))
    response = client.get(f"/media/{media_id}")
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert re.match(rb"\xff\xd8", body)


def test_unknown_choice_in_the_form_gets_the_services_translated_message(login_as):
    client, _user = login_as("archivist")
    response = client.post("/staff/items/new?lang=vi", data={"reference_code": "X-1", "type": "sculpture",
                                                             "place": "atlantis", "texts-vi-title": "x"})  # fmt: skip
    body = response.get_data(True)
    assert response.status_code == 422
    assert "Loại hình tư liệu không xác định: sculpture" in body and "atlantis" in body
