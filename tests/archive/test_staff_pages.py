"""The archivists' staff pages: only the actions the user may take, refusals that keep what was typed,
and the staff item page showing every field."""

import io

import pytest
from sqlalchemy import select

from archive.models import Item, ItemStatus
from archive.workflow import apply_transition
from tests.archive import samples

UPLOAD_FORM = 'id="media-upload"'
EDIT_LINK = '/edit">'


def _with_file(client, item):
    files = [(io.BytesIO(samples.png_bytes()), "a.png")]
    response = client.post(f"/staff/items/{item.id}/media", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 302


def _move(db_session, item, user, *moves):
    for move in moves:
        apply_transition(db_session, user, item, move)
    db_session.commit()


@pytest.mark.parametrize(
    ("status_moves", "editable"), [((), True), (("submit",), False), (("submit", "publish"), False)]
)
def test_an_archivist_sees_edit_and_file_controls_only_where_they_may_use_them(
    login_as, db_session, make_item, make_user, status_moves, editable
):
    client, archivist = login_as("archivist")
    item = make_item(user=archivist)
    _with_file(client, item)
    db_session.rollback()
    _move(db_session, item, make_user("curator"), *status_moves)
    page = client.get(f"/staff/items/{item.id}?lang=en").get_data(True)
    assert (EDIT_LINK in page) is editable
    assert (UPLOAD_FORM in page) is editable
    assert ("Remove from this item" in page) is editable and ("Move down" in page or "Move up" in page) is False
    assert ("only a curator or an admin may change it now" in page) is not editable
    assert "/thumb-1.jpg" in page  # the files themselves are always shown
    if not editable:
        refused = client.get(f"/staff/items/{item.id}/edit?lang=en")
        assert refused.status_code == 403 and "only a curator or an admin may change it now" in refused.get_data(True)


def test_a_curator_sees_the_controls_on_a_published_item(login_as, db_session, make_item, make_user):
    item = make_item()
    _move(db_session, item, make_user("curator"), "submit", "publish")
    client, _curator = login_as("curator")
    page = client.get(f"/staff/items/{item.id}?lang=en").get_data(True)
    assert EDIT_LINK in page and UPLOAD_FORM in page and "only a curator or an admin" not in page
    assert client.get(f"/staff/items/{item.id}/edit").status_code == 200


def test_an_edit_refused_because_the_item_moved_on_keeps_what_was_typed(login_as, db_session, make_item, make_user):
    client, archivist = login_as("archivist")
    item = make_item(user=archivist)
    assert client.get(f"/staff/items/{item.id}/edit").status_code == 200  # the archivist opens the form…
    db_session.rollback()
    _move(db_session, item, archivist, "submit")  # …meanwhile the draft goes to review
    typed = {"reference_code": item.reference_code, "type": "photo", "version": "", "creator": "Văn Bảo",
             "texts-vi-title": "Tiêu đề đã sửa", "texts-vi-description": "Một đoạn mô tả dài đã gõ",
             "texts-fr-title": "Titre saisi"}  # fmt: skip
    response = client.post(f"/staff/items/{item.id}/edit?lang=en", data=typed)
    page = response.get_data(True)
    assert response.status_code == 403 and "only a curator or an admin may change it now" in page
    assert "Tiêu đề đã sửa" in page and "Một đoạn mô tả dài đã gõ" in page and "Titre saisi" in page
    assert 'value="Văn Bảo"' in page
    db_session.rollback()
    saved = db_session.get(Item, item.id)
    assert saved.status == ItemStatus.REVIEW and saved.text_for("vi").title != "Tiêu đề đã sửa"
    assert saved.text_for("fr") is None


def test_a_refused_move_keeps_its_comment(login_as, db_session, make_item, make_user):
    archivist = make_user("archivist")
    item = make_item(user=archivist)
    _move(db_session, item, archivist, "submit")
    client, _curator = login_as("curator")
    stale = item.version - 1
    comment = "Thiếu chú thích tiếng Anh; xin bổ sung nguồn."
    response = client.post(f"/staff/items/{item.id}/transition?lang=en",
                           data={"action": "send_back", "version": stale, "comment": comment,
                                 "next": "/staff/review"})  # fmt: skip
    page = response.get_data(True)
    assert response.status_code == 409 and "Someone else saved this item" in page
    assert page.count(comment) == 2  # shown as not saved, and back in the send-back form
    assert f">{comment}</textarea>" in page
    db_session.rollback()
    assert db_session.get(Item, item.id).status == ItemStatus.REVIEW


def test_the_staff_item_page_shows_every_field(login_as, make_item):
    item = make_item(
        reference_code="TTLTQG-III-1954-07", creator="Nhiếp ảnh gia Văn Bảo", body="ttxvn",
        rights="Trung tâm Lưu trữ quốc gia III giữ bản quyền; dùng cho mục đích phi thương mại.",
        source_archive="Trung tâm Lưu trữ quốc gia III", fonds="Phông Phủ Thủ tướng", tags=["hiệp định"],
        texts={"vi": {"title": "Hội nghị Giơ-ne-vơ", "description": "Phái đoàn tại hội nghị",
                      "caption": "Chú thích triển lãm", "transcription": "Bản chép lời"},
               "fr": {"title": "Conférence de Genève"}},
    )  # fmt: skip
    client, _user = login_as("archivist")
    page = client.get(f"/staff/items/{item.id}?lang=en").get_data(True)
    for shown in ("Source archive", "Trung tâm Lưu trữ quốc gia III", "Fonds", "Phông Phủ Thủ tướng", "Rights",
                  "dùng cho mục đích phi thương mại", "Nhiếp ảnh gia Văn Bảo", "hiệp định", "Phái đoàn tại hội nghị",
                  "Chú thích triển lãm", "Bản chép lời", "Conférence de Genève", "Created",
                  "Last changed"):  # fmt: skip
        assert shown in page, shown


def test_the_review_queue_offers_no_moves_to_archivists(login_as, db_session, make_item):
    client, archivist = login_as("archivist")
    item = make_item(user=archivist)
    _move(db_session, item, archivist, "submit")
    page = client.get("/staff/review?lang=en").get_data(True)
    assert item.reference_code in page and "/transition" not in page
    db_session.rollback()
    assert db_session.scalar(select(Item.status).where(Item.id == item.id)) == ItemStatus.REVIEW
