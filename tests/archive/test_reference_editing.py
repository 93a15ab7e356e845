"""Vocabularies, terms, venues and bodies as admins change them (archive.reference_editing) and their pages."""

import pytest
from sqlalchemy import select

from archive import reference_editing as editing
from archive.models import Body, LabelState, Place, Scheme, Term
from archive.reference import load_reference_data
from archive.searching import search_items
from archive.vocabulary import term_choices
from core.audit import history
from core.errors import Forbidden, NotFound, ValidationError


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def _term(db_session, code="ICCPR") -> Term:
    return db_session.scalar(select(Term).where(Term.code == code))


def _found(db_session, words) -> list[str]:
    return [i.reference_code for i in search_items(db_session, {"q": words}, "vi", public=False).items]


def test_a_new_term_needs_a_vietnamese_label_and_a_free_code_and_is_audited(app, db_session, admin):
    themes = db_session.scalar(select(Scheme).where(Scheme.code == "themes"))
    with pytest.raises(ValidationError) as refused:
        editing.create_term(db_session, admin, themes, "upr", {"en": ("Right to water", "draft")})
    assert {field for field, _message in refused.value.errors} == {"code", "labels.vi"}
    db_session.rollback()
    term = editing.create_term(db_session, admin, themes, "right-to-water", {
        "vi": ("Quyền tiếp cận nước sạch", "reviewed"), "en": ("  Right to   water ", "draft"), "fr": ("", "draft"),
    })  # fmt: skip
    db_session.commit()
    assert term.labels == {"vi": "Quyền tiếp cận nước sạch", "en": "Right to water"}
    assert term.translation_states == {"vi": "reviewed", "en": "draft"}
    assert term.position > max(t.position for t in themes.terms if t.id != term.id)
    assert ("right-to-water", "Quyền tiếp cận nước sạch") in term_choices(db_session)
    [event] = history(db_session, "term", term.id)
    assert event.action == "create" and event.user_id == admin.id
    assert event.after["labels"]["en"] == {"label": "Right to water", "state": "draft"}


def test_changing_a_shipped_label_makes_it_a_draft_and_states_follow_each_language(db_session, admin):
    term = _term(db_session)
    assert editing.state_of(term, "fr") == LabelState.SHIPPED and editing.state_of(term, "zh") == editing.MISSING
    labels = {lang: (label, "shipped") for lang, label in term.labels.items()}
    labels["en"] = ("Covenant on Civil and Political Rights", "shipped")
    labels["fr"] = (term.labels["fr"], "reviewed")
    labels["zh"] = ("公民权利和政治权利国际公约", "draft")
    editing.update_record(db_session, admin, term, labels)
    db_session.commit()
    assert [editing.state_of(term, lang) for lang in ("vi", "en", "fr", "zh")] == ["shipped", "draft", "reviewed",
                                                                                   "draft"]  # fmt: skip
    [event] = history(db_session, "term", term.id)
    assert event.before["labels"]["en"]["state"] == "shipped" and event.after["labels"]["en"]["state"] == "draft"
    assert event.after["code"] == "ICCPR"  # kept, to say which record changed
    rows = editing.label_rows(term)
    assert [row.lang for row in rows] == ["vi", "en", "fr", "zh"]
    assert editing.other_languages(term, ["vi", "en", "fr"]) == ["zh"]


def test_renaming_a_term_reaches_the_search_index(db_session, admin, make_item):
    item = make_item(terms=["CEDAW"])
    assert _found(db_session, "Phunuthunghiem") == []
    term = _term(db_session, "CEDAW")
    editing.update_record(db_session, admin, term, {"vi": ("Công ước Phunuthunghiem", "draft")})
    db_session.commit()
    assert _found(db_session, "Phunuthunghiem") == [item.reference_code]


def test_loading_the_reference_data_again_keeps_what_admins_wrote(db_session, admin):
    term = _term(db_session)
    shipped = dict(term.labels)
    editing.update_record(db_session, admin, term, {"vi": (shipped["vi"], "shipped"), "en": ("ICCPR (edited)", "draft"),
                                                    "fr": (shipped["fr"], "shipped")})  # fmt: skip
    term.labels = term.labels | {"fr": "une ancienne version"}  # as an older release shipped it
    db_session.commit()
    load_reference_data(db_session)
    db_session.commit()
    assert term.labels["en"] == "ICCPR (edited)" and term.translation_states["en"] == "draft"
    assert term.labels["fr"] == shipped["fr"]  # still as shipped: the release's label wins


def test_venues_abroad_and_bodies(db_session, admin):
    venue = editing.create_venue(db_session, admin, "new-delhi", "in", {"vi": ("Niu Đê-li", "draft"),
                                                                         "en": ("New Delhi", "reviewed")})  # fmt: skip
    body = editing.create_body(db_session, admin, "vtv", "press", {"vi": ("Đài Truyền hình Việt Nam", "reviewed")})
    db_session.commit()
    assert (venue.kind, venue.country, venue.names["en"]) == ("abroad", "IN", "New Delhi")
    assert body.kind == "press" and editing.get_record(db_session, "body", body.id) is body
    with pytest.raises(ValidationError) as refused:
        editing.create_venue(db_session, admin, "Geneva", "VN", {"vi": ("Giơ-ne-vơ", "draft")})
    assert {field for field, _m in refused.value.errors} == {"code", "country"}  # codes are compared in any case
    db_session.rollback()
    with pytest.raises(ValidationError):
        editing.create_body(db_session, admin, "bad code!", "emperor", {"vi": ("x", "draft")})
    db_session.rollback()
    editing.update_record(db_session, admin, body, {"vi": ("Đài THVN", "draft")}, {"kind": "other"})
    db_session.commit()
    assert body.kind == "other" and body.names == {"vi": "Đài THVN"}


def test_provinces_are_not_edited_here(db_session, admin):
    province = db_session.scalar(select(Place).where(Place.code == "vn-cao-bang"))
    with pytest.raises(NotFound):
        editing.get_record(db_session, "place", province.id)
    with pytest.raises(ValidationError):
        editing.update_record(db_session, admin, province, {"vi": ("Cao Bằng mới", "draft")})


@pytest.mark.parametrize("role", ["archivist", "curator"])
def test_only_admins_change_the_reference_data(db_session, make_user, role):
    someone = make_user(role)
    with pytest.raises(Forbidden):
        editing.update_record(db_session, someone, _term(db_session), {"vi": ("x", "draft")})
    with pytest.raises(Forbidden):
        editing.create_body(db_session, someone, "x", "other", {"vi": ("x", "draft")})


def test_labels_refuse_control_characters_and_bad_language_tags(db_session, admin):
    with pytest.raises(ValidationError) as refused:
        editing.update_record(db_session, admin, _term(db_session), {"vi": ("Công\x00ước", "draft"),
                                                                     "xx-!!": ("bad", "draft")})  # fmt: skip
    assert {field for field, _m in refused.value.errors} == {"labels.vi", "labels.xx-!!"}


# --- Pages --------------------------------------------------------------------------------------


def test_an_admin_edits_a_term_on_its_page_and_the_history_shows_it(login_as, db_session):
    client, _admin = login_as("admin")
    term = _term(db_session, "CRC")
    form = {f"label-{lang}": label for lang, label in term.labels.items()} | {
        "state-vi": "shipped", "state-en": "reviewed", "state-fr": "shipped",
        "label-en": "Convention on the Rights of the Child (CRC)", "new-lang": "km", "new-label": "អនុសញ្ញាស្តីពីសិទ្ធិកុមារ",
    }  # fmt: skip
    response = client.post(f"/staff/admin/terms/{term.id}?lang=en", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/admin/vocabularies#term-{term.id}")
    db_session.rollback()
    term = _term(db_session, "CRC")
    assert term.labels["km"] == "អនុសញ្ញាស្តីពីសិទ្ធិកុមារ" and term.translation_states["en"] == "reviewed"
    page = client.get(f"/staff/admin/terms/{term.id}?lang=en").get_data(True)
    assert "Translation state (English)" in page and 'lang="km"' in page and "Changed" in page
    assert "Name (English)" in page  # the history names the label's language
    listing = client.get("/staff/admin/vocabularies?lang=en").get_data(True)
    assert f'id="term-{term.id}"' in listing and "and 1 other language (km)" in listing


def test_a_refused_save_shows_the_form_as_typed(login_as, db_session):
    client, _admin = login_as("admin")
    scheme = db_session.scalar(select(Scheme).where(Scheme.code == "themes"))
    form = {"code": "housing", "label-vi": "", "label-en": "Right to housing", "state-en": "reviewed",
            "label-fr": "Droit au logement", "state-fr": "draft"}  # fmt: skip
    response = client.post(f"/staff/admin/vocabularies/{scheme.id}/terms/new?lang=en", data=form)
    page = response.get_data(True)
    assert response.status_code == 422 and "The Vietnamese label is required" in page
    assert 'value="housing"' in page and 'value="Right to housing"' in page and 'value="Droit au logement"' in page
    assert '<option value="reviewed" selected>' in page
    db_session.rollback()
    assert _term(db_session, "housing") is None


def test_new_venue_and_body_pages(login_as, db_session):
    client, _admin = login_as("admin")
    response = client.post("/staff/admin/venues/new", data={"code": "tokyo", "country": "JP", "label-vi": "Tô-ky-ô",
                                                            "state-vi": "draft", "label-en": "Tokyo"})  # fmt: skip
    assert response.status_code == 302
    response = client.post("/staff/admin/bodies/new", data={"code": "bca", "kind": "ministry",
                                                            "label-vi": "Bộ Công an"})  # fmt: skip
    assert response.status_code == 302
    db_session.rollback()
    assert db_session.scalar(select(Place).where(Place.code == "tokyo")).country == "JP"
    assert db_session.scalar(select(Body).where(Body.code == "bca")).kind == "ministry"
    venues = client.get("/staff/admin/venues?lang=fr").get_data(True)
    assert "Tô-ky-ô" in venues and "Japon" in venues


def test_the_provinces_page_is_read_only(login_as, db_session):
    client, _admin = login_as("admin")
    page = client.get("/staff/admin/provinces?lang=en").get_data(True)
    assert "Hà Giang" in page and "Tuyên Quang" in page and '<form method="post"' not in page
    province = db_session.scalar(select(Place).where(Place.code == "vn-cao-bang"))
    assert client.get(f"/staff/admin/venues/{province.id}").status_code == 404
