"""The curators' pages, through the client: who may use them, and each change they make."""

import pytest
from sqlalchemy import select

from archive.workflow import apply_transition
from exhibitions.composing import publish
from exhibitions.models import Exhibition, ExhibitionStatus

# The curators' pages through the client; the services under them are checked on both databases.
pytestmark = pytest.mark.one_database


@pytest.fixture
def curator_client(login_as):
    client, _user = login_as("curator")
    client.get("/exhibitions?lang=en")  # the interface in English from now on (a cookie)
    return client


def _fresh(db_session, exhibition_id):
    db_session.rollback()  # the test's snapshot predates the request's commit
    return db_session.get(Exhibition, exhibition_id)


def test_only_curators_and_admins_get_in(client, login_as, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1)
    assert client.get("/staff/exhibitions").status_code == 302
    archivist, _user = login_as("archivist")
    assert archivist.get("/staff/exhibitions").status_code == 403
    assert archivist.post(f"/staff/exhibitions/{exhibition.id}/publish").status_code == 403
    admin, _user = login_as("admin")
    assert admin.get(f"/staff/exhibitions/{exhibition.id}").status_code == 200


def test_create_from_the_form_and_see_errors_beside_fields(curator_client, db_session):
    bad = curator_client.post("/staff/exhibitions/new", data={
        "venue": "geneva", "mode": "online", "opens_on": "2026-12-10", "closes_on": "2026-01-01",
        "primary_language": "fr", "languages": "en", "texts-fr-title": "", "texts-fr-introduction": "Texte",
    })  # fmt: skip
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "The exhibition cannot close before it opens." in page
    assert "The title in fr is required with its introduction." in page
    good = curator_client.post("/staff/exhibitions/new", data={
        "venue": "geneva", "mode": "online", "opens_on": "2026-12-10", "closes_on": "2027-01-31",
        "primary_language": "fr", "languages": "en", "fallback_chain": "fr, en, vi",
        "texts-fr-title": "Les droits de l'homme", "texts-fr-state": "reviewed",
    })  # fmt: skip
    assert good.status_code == 302
    db_session.rollback()
    created = db_session.scalar(select(Exhibition).where(Exhibition.code == "GE26"))
    assert good.headers["Location"] == f"/staff/exhibitions/{created.id}"
    assert created.fallback_chain == ["fr", "en", "vi"] and created.text_for("fr").state == "reviewed"


def test_compose_sections_and_entries_from_search(curator_client, db_session, make_exhibition, published_item):
    exhibition = make_exhibition(sections=0)
    item = published_item(texts={"vi": {"title": "Lớp học cắm bản ở Cao Bằng"}})
    response = curator_client.post(f"/staff/exhibitions/{exhibition.id}/sections",
                                   data={"section-vi-title": "Giáo dục", "section-en-title": "Education"})  # fmt: skip
    assert response.status_code == 302
    section = _fresh(db_session, exhibition.id).sections[0]
    found = curator_client.get(f"/staff/exhibitions/{exhibition.id}?q=lop hoc cam ban").get_data(as_text=True)
    assert "Lớp học cắm bản ở Cao Bằng" in found and f'name="item_id" value="{item.id}"' in found
    added = curator_client.post(f"/staff/exhibitions/{exhibition.id}/entries", data={
        "section_id": section.id, "item_id": item.id, "back": f"/staff/exhibitions/{exhibition.id}?q=lop"})  # fmt: skip
    assert added.headers["Location"] == f"/staff/exhibitions/{exhibition.id}?q=lop"
    entry = _fresh(db_session, exhibition.id).entries[0]
    assert entry.item_id == item.id and entry.panel_number == "1"
    caption = {"panel_number": "7", "caption-vi-text": "Chú thích của giám tuyển", "caption-vi-state": "reviewed"}
    saved = curator_client.post(f"/staff/exhibitions/{exhibition.id}/entries/{entry.id}", data=caption)
    assert saved.status_code == 302
    entry = _fresh(db_session, exhibition.id).entries[0]
    assert entry.panel_number == "7"
    assert entry.captions == {"vi": {"text": "Chú thích của giám tuyển", "state": "reviewed"}}
    page = curator_client.get(f"/staff/exhibitions/{exhibition.id}").get_data(as_text=True)
    assert "Panel 7" in page and "Giáo dục" in page


def test_refusals_come_back_as_messages(curator_client, db_session, make_exhibition, make_item):
    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, exhibition.created_by, exhibition)
    db_session.commit()
    draft = make_item()
    response = curator_client.post(f"/staff/exhibitions/{exhibition.id}/entries",
                                   data={"section_id": exhibition.sections[0].id, "item_id": draft.id},
                                   follow_redirects=True)  # fmt: skip
    assert "Only published items may be added to a published exhibition" in response.get_data(as_text=True)
    for bad in ("abc", "99999999999999999999", "-1"):
        response = curator_client.post(f"/staff/exhibitions/{exhibition.id}/entries",
                                       data={"section_id": bad, "item_id": draft.id})  # fmt: skip
        assert response.status_code == 422 and "Choose a section by its number." in response.get_data(True)


def test_reorder_with_buttons_and_with_the_drag_and_drop_request(curator_client, db_session, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    ids = [e.id for e in exhibition.entries]
    curator_client.post(f"/staff/exhibitions/{exhibition.id}/entries/{ids[0]}/move", data={"direction": "down"})
    assert [e.id for e in _fresh(db_session, exhibition.id).entries] == [ids[1], ids[0], ids[2], ids[3]]
    sections = [s.id for s in exhibition.sections]
    layout = {str(sections[0]): [ids[3]], str(sections[1]): [ids[2], ids[1], ids[0]]}
    response = curator_client.post(f"/staff/exhibitions/{exhibition.id}/arrange", json=layout,
                                   headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200 and response.json["message"] == "New order saved."
    fresh = _fresh(db_session, exhibition.id)
    assert [[e.id for e in s.entries] for s in fresh.sections] == [[ids[3]], [ids[2], ids[1], ids[0]]]
    lost = curator_client.post(f"/staff/exhibitions/{exhibition.id}/arrange", json={str(sections[0]): [ids[0]]},
                               headers={"Accept": "application/json"})  # fmt: skip
    assert lost.status_code == 422 and "every entry" in lost.json["error"]["message"]


def test_publish_lists_what_blocks_it_then_publishes(curator_client, db_session, make_exhibition, curator):
    exhibition = make_exhibition(sections=1, entries=2)
    apply_transition(db_session, curator, exhibition.entries[0].item, "withdraw", comment="Kiểm tra lại")
    db_session.commit()
    check = curator_client.get(f"/staff/exhibitions/{exhibition.id}/publish").get_data(as_text=True)
    assert "1 problem blocks publication" in check and "TEST-0001" in check and "withdrawn" in check
    assert "unreviewed draft" in check  # texts still in draft are flagged, not blocking
    refused = curator_client.post(f"/staff/exhibitions/{exhibition.id}/publish", follow_redirects=True)
    assert "cannot be published yet" in refused.get_data(as_text=True)
    assert _fresh(db_session, exhibition.id).status == ExhibitionStatus.DRAFT
    entry = _fresh(db_session, exhibition.id).entries[0]
    curator_client.post(f"/staff/exhibitions/{exhibition.id}/entries/{entry.id}/delete")
    assert curator_client.post(f"/staff/exhibitions/{exhibition.id}/publish").status_code == 302
    assert _fresh(db_session, exhibition.id).status == ExhibitionStatus.PUBLISHED
    curator_client.post(f"/staff/exhibitions/{exhibition.id}/archive")
    archived = _fresh(db_session, exhibition.id)
    assert archived.status == ExhibitionStatus.ARCHIVED and archived.frozen["views"]["vi"]["sections"]
    page = curator_client.get(f"/staff/exhibitions/{exhibition.id}").get_data(as_text=True)
    assert "what was shown is frozen" in page and "Move section up" not in page
    edit = curator_client.post(f"/staff/exhibitions/{exhibition.id}/sections", data={"section-vi-title": "X"},
                               follow_redirects=True)  # fmt: skip
    assert "archived" in edit.get_data(as_text=True)


def test_withdrawn_item_warns_the_curator(curator_client, db_session, make_exhibition, curator):
    exhibition = make_exhibition(sections=1, entries=2)
    publish(db_session, curator, exhibition)
    apply_transition(db_session, curator, exhibition.entries[1].item, "withdraw", comment="Sai nguồn")
    db_session.commit()
    page = curator_client.get(f"/staff/exhibitions/{exhibition.id}").get_data(as_text=True)
    assert "These items are no longer published" in page and "TEST-0002" in page
    assert f"/exhibitions/{exhibition.id}/book?lang=en" in page  # each book with its QR code


def test_derive_then_take_a_framework_change(curator_client, db_session, make_exhibition, curator):
    from exhibitions.composing import update_entry

    framework = make_exhibition(sections=1, entries=2, code="QG26", venue="vn-ha-noi", is_framework=True)
    form = curator_client.get(f"/staff/exhibitions/{framework.id}/derive").get_data(as_text=True)
    assert 'name="primary_language"' in form and 'value="vi"' in form
    response = curator_client.post(f"/staff/exhibitions/{framework.id}/derive", data={
        "venue": "geneva", "primary_language": "fr", "languages": "en", "fallback_chain": "fr, en, vi",
        "mode": "both", "opens_on": "2026-12-01"})  # fmt: skip
    assert response.status_code == 302
    db_session.rollback()
    derived = db_session.scalar(select(Exhibition).where(Exhibition.derived_from_id == framework.id))
    assert derived.code == "GE26" and len(derived.entries) == 2
    update_entry(db_session, curator, framework.entries[1], {"captions": {"fr": "Nouvelle légende"}})
    db_session.commit()
    diff = curator_client.get(f"/staff/exhibitions/{derived.id}/differences").get_data(as_text=True)
    assert "Changed in the framework" in diff and "caption in French" in diff
    key = f"s{framework.entries[1].id}"
    assert f'value="{key}"' in diff
    curator_client.post(f"/staff/exhibitions/{derived.id}/pull", data={"key": key})
    assert _fresh(db_session, derived.id).entries[1].captions["fr"]["text"] == "Nouvelle légende"
    assert "same entries and captions" in curator_client.get(f"/staff/exhibitions/{derived.id}/differences").get_data(
        as_text=True
    )


def test_settings_edit_refuses_a_stale_version(curator_client, db_session, make_exhibition):
    exhibition = make_exhibition(sections=0)
    form = curator_client.get(f"/staff/exhibitions/{exhibition.id}/edit").get_data(as_text=True)
    assert "Quyền con người ở Cao Bằng" in form
    data = {"version": exhibition.version, "venue": "vn-cao-bang", "mode": "in_person", "primary_language": "vi",
            "code": "CB26", "texts-vi-title": "Tên mới"}  # fmt: skip
    assert curator_client.post(f"/staff/exhibitions/{exhibition.id}/edit", data=data).status_code == 302
    stale = curator_client.post(f"/staff/exhibitions/{exhibition.id}/edit", data=data)
    assert stale.status_code == 409 and "changed this exhibition meanwhile" in stale.get_data(as_text=True)
