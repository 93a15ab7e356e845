"""The archivists' staff pages: only the actions the user may take, refusals that keep what was typed,
and the staff item page showing every field."""

import io

import pytest
from sqlalchemy import select

from archive.models import Item, ItemStatus
from archive.workflow import apply_transition
from tests.archive import samples

# What the staff pages show to each role; the services under them are checked on both databases.
pytestmark = pytest.mark.one_database

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
        rights="InC-NC", rights_note="Trung tâm Lưu trữ quốc gia III giữ bản quyền; dùng cho mục đích phi thương mại.",
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
                  "Last changed", '<a href="http://rightsstatements.org/vocab/InC-NC/1.0/">In Copyright - '
                  "Non-Commercial Use Permitted</a>"):  # fmt: skip
        assert shown in page, shown


CNE = "http://rightsstatements.org/vocab/CNE/1.0/"


def test_the_item_form_offers_the_statements_grouped_and_refuses_another(login_as, db_session):
    client, _user = login_as("archivist")
    page = client.get("/staff/items/new?lang=fr").get_data(True)
    assert '<optgroup label="Déclarations des droits (RightsStatements.org)">' in page
    assert f'<option selected value="{CNE}">Droit d&#39;auteur non évalué</option>' in page
    assert '<option value="http://creativecommons.org/licenses/by/4.0/">Creative Commons Attribution 4.0' in page
    form = {"reference_code": "X-1", "type": "photo", "texts-vi-title": "x", "rights": "© của tôi"}
    response = client.post("/staff/items/new?lang=en", data=form)
    assert response.status_code == 422 and "Unknown rights statement: “© của tôi”" in response.get_data(True)
    db_session.rollback()
    assert db_session.scalar(select(Item).where(Item.reference_code == "X-1")) is None


def test_archivists_find_the_rights_to_review_and_settle_them(login_as, db_session, make_item):
    flagged = make_item(rights="CNE", rights_note="Ảnh gia đình tặng, chưa rõ thỏa thuận", rights_flagged=True)
    settled = make_item(rights="InC")
    client, _user = login_as("archivist")
    listed = client.get("/staff/items?lang=en").get_data(True)
    assert "The rights of 1 item need an archivist" in listed and "rights_flagged=1" in listed
    only = client.get("/staff/items?rights_flagged=1").get_data(True)
    assert flagged.reference_code in only and settled.reference_code not in only
    by_statement = client.get("/staff/items?rights=InC").get_data(True)
    assert settled.reference_code in by_statement and flagged.reference_code not in by_statement
    form = client.get(f"/staff/items/{flagged.id}/edit?lang=en").get_data(True)
    assert "No rights statement could be read" in form and 'name="rights_flagged"' in form
    assert "Ảnh gia đình tặng, chưa rõ thỏa thuận</textarea>" in form
    data = {"reference_code": flagged.reference_code, "type": "photo", "texts-vi-title": "x", "version": "1",
            "rights": "http://rightsstatements.org/vocab/InC-RUU/1.0/", "rights_note": "Ảnh gia đình tặng"}  # fmt: skip
    assert client.post(f"/staff/items/{flagged.id}/edit", data=data).status_code == 302
    db_session.rollback()
    item = db_session.get(Item, flagged.id)
    assert (item.rights, item.rights_note, item.rights_flagged) == (
        "http://rightsstatements.org/vocab/InC-RUU/1.0/", "Ảnh gia đình tặng", False)  # fmt: skip
    history = client.get(f"/staff/items/{flagged.id}?lang=en").get_data(True)
    assert "Copyright Not Evaluated" in history and "Rights to review" in history


def test_the_review_queue_offers_no_moves_to_archivists(login_as, db_session, make_item):
    client, archivist = login_as("archivist")
    item = make_item(user=archivist)
    _move(db_session, item, archivist, "submit")
    page = client.get("/staff/review?lang=en").get_data(True)
    assert item.reference_code in page and "/transition" not in page
    db_session.rollback()
    assert db_session.scalar(select(Item.status).where(Item.id == item.id)) == ItemStatus.REVIEW
