"""The exhibitions in the JSON API v1: reading, composing, deriving, publishing, the OpenAPI document."""

import pytest
from sqlalchemy import func, select

from archive.workflow import apply_transition
from core.auth import issue_token
from core.i18n import _
from exhibitions.composing import archive, derive_exhibition, publish, update_entry
from exhibitions.models import Exhibition, ExhibitionStatus, QrLink, QrTarget

API = "/api/v1"


@pytest.fixture
def auth(db_session, make_user):
    """Factory: the Authorization header of a new user of `role` (or of `user`)."""

    def headers(role="curator", user=None):
        # A fresh transaction: SQLite refuses a write from a snapshot older than a request's commit.
        db_session.rollback()
        token = issue_token(db_session, user or make_user(role))
        db_session.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def published(db_session, curator, make_exhibition):
    """Factory: a committed, published exhibition; keyword arguments go to make_exhibition."""

    def make(**overrides):
        exhibition = make_exhibition(**overrides)
        publish(db_session, curator, exhibition)
        db_session.commit()
        return exhibition

    return make


def error_of(response, status):
    """The error object of a response, after checking its status and shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) >= {"code", "message", "field"} and error["message"]
    return error


def exhibition_count(db_session) -> int:
    db_session.rollback()  # read what the requests committed
    return db_session.scalar(select(func.count(Exhibition.id)))


def code_of(db_session, target, target_id=None) -> str:
    query = select(QrLink.code).where(QrLink.target == target, QrLink.lang.is_(None))
    query = query.where(QrLink.target_id.is_(None) if target_id is None else QrLink.target_id == target_id)
    return db_session.scalar(query)


# --- Reading -------------------------------------------------------------------------------


def test_public_list_has_published_and_archived_exhibitions_only(client, db_session, curator, make_exhibition,
                                                                 published, auth):  # fmt: skip
    draft = make_exhibition(code="DR26")
    shown = published(code="PB26")
    closed = published(code="AR26")
    archive(db_session, curator, closed)
    db_session.commit()
    public = client.get(f"{API}/exhibitions").json
    assert sorted(e["code"] for e in public["exhibitions"]) == ["AR26", "PB26"]
    assert public["total"] == 2 and public["pages"] == 1
    assert "sections" not in public["exhibitions"][0]
    staff = client.get(f"{API}/exhibitions", headers=auth("archivist")).json
    assert {e["id"] for e in staff["exhibitions"]} == {draft.id, shown.id, closed.id}


def test_list_filters(client, make_exhibition, published, auth):
    make_exhibition(code="DR26")
    published(code="GE26", venue="geneva")
    published(code="QG26", venue="vn-ha-noi", is_framework=True)
    headers = auth()
    for query, expected in [("status=draft", ["DR26"]), ("venue=geneva", ["GE26"]), ("framework=true", ["QG26"]),
                            ("framework=false&status=published", ["GE26"]), ("venue=nowhere", [])]:  # fmt: skip
        found = client.get(f"{API}/exhibitions?{query}", headers=headers).json["exhibitions"]
        assert sorted(e["code"] for e in found) == expected, query


def test_list_pages(client, published):
    for year in (25, 26, 27):
        published(code=f"CB{year}", opens_on=f"20{year}-03-01", closes_on=f"20{year}-04-01")
    page = client.get(f"{API}/exhibitions?per_page=2&page=2").json
    assert (page["total"], page["pages"], page["page"], page["per_page"]) == (3, 2, 2, 2)
    assert [e["code"] for e in page["exhibitions"]] == ["CB25"]  # latest opening first


@pytest.mark.one_database
@pytest.mark.parametrize(("query", "field"), [("status=open", "status"), ("per_page=500", "per_page"),
                                              ("page=0", "page"), ("framework=maybe", "framework")])  # fmt: skip
def test_list_refuses_bad_arguments(client, query, field):
    error = error_of(client.get(f"{API}/exhibitions?{query}"), 422)
    assert error["code"] == "invalid" and error["field"] == field


@pytest.mark.one_database
def test_get_exhibition_has_settings_texts_sections_entries_and_codes(client, db_session, curator, published, auth):
    exhibition = published(sections=2, entries=2, fallback_chain=["en", "vi"])
    first = exhibition.entries[0]
    update_entry(db_session, curator, first, {"captions": {"en": {"text": "A village class", "state": "reviewed"}}})
    db_session.commit()
    body = client.get(f"{API}/exhibitions/{exhibition.id}").json
    assert body["code"] == "CB26" and body["status"] == "published" and body["mode"] == "both"
    assert body["venue"]["code"] == "vn-cao-bang" and body["venue"]["names"]["vi"] == "Cao Bằng"
    assert (body["opens_on"], body["closes_on"]) == ("2026-09-01", "2026-12-31")
    assert (body["primary_language"], body["languages"], body["fallback_chain"]) == ("vi", ["en"], ["en", "vi"])
    assert body["texts"]["vi"] == {"title": "Quyền con người ở Cao Bằng", "introduction": "Ảnh và tài liệu lưu trữ.",
                                   "state": "draft"}  # fmt: skip
    assert body["texts"]["en"]["title"] == "Human rights in Cao Bang"
    assert body["derived_from"] is None and body["frozen"] is False and body["is_framework"] is False
    assert body["qr"] == {"code": code_of(db_session, QrTarget.EXHIBITION),
                          "url": f"http://vitrine.test/q/{code_of(db_session, QrTarget.EXHIBITION)}"}  # fmt: skip
    assert body["links"]["self"] == f"http://vitrine.test{API}/exhibitions/{exhibition.id}"
    assert body["links"]["page"] == f"http://vitrine.test/exhibitions/{exhibition.id}"
    assert [s["id"] for s in body["sections"]] == [s.id for s in exhibition.sections]
    section = body["sections"][0]
    assert section["texts"]["en"]["title"] == "Part 1" and section["position"] == 0
    assert section["qr"]["code"] == code_of(db_session, QrTarget.SECTION, exhibition.sections[0].id)
    entry = section["entries"][0]
    assert entry == {
        "id": first.id, "position": 0, "item_id": first.item_id, "reference_code": first.item.reference_code,
        "item_published": True, "panel_number": "1", "panel_code": "CB26-001", "source_entry_id": None,
        "captions": {"en": {"text": "A village class", "state": "reviewed"}}, "titles": {},
        "qr": {"code": code_of(db_session, QrTarget.ENTRY, first.id),
               "url": f"http://vitrine.test/q/{code_of(db_session, QrTarget.ENTRY, first.id)}"},
    }  # fmt: skip
    assert [e["panel_code"] for s in body["sections"] for e in s["entries"]] == [f"CB26-00{n}" for n in (1, 2, 3, 4)]
    assert client.get(f"{API}/exhibitions/{exhibition.id}", headers=auth("archivist")).json == body


def test_a_draft_is_404_for_the_public_but_not_for_staff(client, make_exhibition, auth):
    draft = make_exhibition()
    error = error_of(client.get(f"{API}/exhibitions/{draft.id}"), 404)
    assert error["code"] == "not_found"
    for path in ("", "/view", "/qr-links"):
        assert client.get(f"{API}/exhibitions/{draft.id}{path}").status_code == 404
        assert client.get(f"{API}/exhibitions/{draft.id}{path}", headers=auth("archivist")).status_code == 200


@pytest.mark.one_database
@pytest.mark.parametrize("exhibition_id", [999, 2147483647, 2147483648])
def test_missing_exhibition_is_404(client, auth, exhibition_id):
    assert error_of(client.get(f"{API}/exhibitions/{exhibition_id}", headers=auth()), 404)["code"] == "not_found"


def test_the_public_does_not_see_withdrawn_items(client, db_session, curator, published, auth):
    exhibition = published(sections=1, entries=2)
    withdrawn = exhibition.entries[0]
    apply_transition(db_session, curator, withdrawn.item, "withdraw", "Sai thông tin")
    db_session.commit()
    public = client.get(f"{API}/exhibitions/{exhibition.id}").json
    assert [e["id"] for e in public["sections"][0]["entries"]] == [exhibition.entries[1].id]
    staff = client.get(f"{API}/exhibitions/{exhibition.id}", headers=auth()).json
    assert [e["item_published"] for e in staff["sections"][0]["entries"]] == [False, True]
    view = client.get(f"{API}/exhibitions/{exhibition.id}/view").json
    [placeholder] = [e for s in view["sections"] for e in s["entries"] if e["id"] == withdrawn.id]
    assert placeholder["withdrawn"] and placeholder["item_id"] is None and placeholder["reference_code"] == ""
    assert placeholder["title"]["text"] is None and placeholder["image"] is None
    # Its panel's codes are the staff's to see: the public list leaves them out.
    targets = [
        (link["target"], link["target_id"]) for link in client.get(f"{API}/exhibitions/{exhibition.id}/qr-links").json
    ]
    assert ("entry", withdrawn.id) not in targets and ("entry", exhibition.entries[1].id) in targets
    staff_links = client.get(f"{API}/exhibitions/{exhibition.id}/qr-links", headers=auth()).json
    assert ("entry", withdrawn.id) in [(link["target"], link["target_id"]) for link in staff_links]


def test_archived_exhibition_is_frozen(client, db_session, curator, published):
    exhibition = published()
    archive(db_session, curator, exhibition)
    db_session.commit()
    body = client.get(f"{API}/exhibitions/{exhibition.id}").json
    assert body["status"] == "archived" and body["frozen"] is True and body["archived_at"]
    view = client.get(f"{API}/exhibitions/{exhibition.id}/view?lang=en").json
    assert view["status"] == "archived" and view["lang"] == "en"


@pytest.mark.one_database
def test_view_marks_texts_that_fell_back(client, published):
    exhibition = published(sections=1, entries=1)
    body = client.get(f"{API}/exhibitions/{exhibition.id}/view?lang=en").json
    assert body["lang"] == "en" and body["chain"] == ["en", "vi"]
    assert body["title"] == {"text": "Human rights in Cao Bang", "lang": "en", "fallback": False, "state": "draft"}
    assert body["introduction"]["fallback"] is True and body["introduction"]["lang"] == "vi"
    entry = body["sections"][0]["entries"][0]
    assert entry["title"]["lang"] == "vi" and entry["title"]["fallback"] is True
    assert entry["panel_code"] == "CB26-001" and entry["qr_code"]
    # A language the exhibition is not shown in: its primary language.
    other = client.get(f"{API}/exhibitions/{exhibition.id}/view?lang=fr").json
    assert other["lang"] == "vi" and other["title"]["fallback"] is False


@pytest.mark.one_database
def test_view_gives_image_addresses(client, db_session, published, published_item):
    from archive.models import MediaFile

    exhibition = published(sections=1, entries=1)
    item = exhibition.entries[0].item
    item.media.append(MediaFile(sha256="a" * 64, size=10, mime_type="image/jpeg", width=1200, height=800))
    db_session.commit()
    image = client.get(f"{API}/exhibitions/{exhibition.id}/view").json["sections"][0]["entries"][0]["image"]
    assert image["width"] == 1200
    assert image["web_url"] == f"http://vitrine.test/exhibitions/{exhibition.id}/images/{'a' * 64}-web.jpg"
    assert image["thumb_url"].endswith("-thumb.jpg")


@pytest.mark.one_database
def test_qr_links_list_addresses_images_and_scans(client, db_session, published):
    exhibition = published(sections=1, entries=2)
    entry_code = code_of(db_session, QrTarget.ENTRY, exhibition.entries[0].id)
    assert client.get(f"/q/{entry_code}").status_code == 302
    assert client.get(f"/q/{entry_code}", headers={"User-Agent": "another phone"}).status_code == 302
    links = client.get(f"{API}/exhibitions/{exhibition.id}/qr-links").json
    first, second = (e.id for e in exhibition.entries)
    assert [(link["target"], link["target_id"], link["lang"]) for link in links] == [
        ("exhibition", None, None), ("exhibition", None, "en"), ("section", exhibition.sections[0].id, None),
        ("entry", first, None), ("entry", first, "en"), ("entry", second, None), ("entry", second, "en"),
        ("ebook", None, "en"), ("ebook", None, "vi")]  # fmt: skip
    scanned = next(link for link in links if link["code"] == entry_code)
    assert scanned["scans"] == 2 and scanned["lang"] is None
    assert scanned["url"] == f"http://vitrine.test/q/{entry_code}"
    assert scanned["png_url"] == f"http://vitrine.test/q/{entry_code}.png"
    assert scanned["svg_url"] == f"http://vitrine.test/q/{entry_code}.svg"
    assert client.get(scanned["png_url"].removeprefix("http://vitrine.test")).mimetype == "image/png"
    assert {link["scans"] for link in links if link["code"] != entry_code} == {0}


# --- Composing -----------------------------------------------------------------------------

NEW_EXHIBITION = {
    "venue": "geneva",
    "mode": "both",
    "opens_on": "2026-12-10",
    "closes_on": "2027-01-31",
    "primary_language": "fr",
    "languages": ["en"],
    "fallback_chain": ["fr", "en", "vi"],
    "texts": {"fr": {"title": "Les droits de l'homme au Viêt Nam", "introduction": "Photos d'archives.",
                     "state": "reviewed"},
              "vi": {"title": "Quyền con người ở Việt Nam"}},
}  # fmt: skip


def test_create_returns_201_with_location(client, db_session, auth):
    response = client.post(f"{API}/exhibitions", json=NEW_EXHIBITION, headers=auth())
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"] == body["links"]["self"]
    assert body["code"] == "GE26" and body["status"] == "draft" and body["version"] == 1
    assert body["venue"]["code"] == "geneva" and body["fallback_chain"] == ["fr", "en", "vi"]
    assert body["texts"]["fr"]["state"] == "reviewed" and body["texts"]["vi"]["state"] == "draft"
    assert body["sections"] == [] and body["qr"]["code"]
    assert exhibition_count(db_session) == 1


@pytest.mark.one_database
def test_writing_needs_a_curators_token(client, db_session, auth):
    error = error_of(client.post(f"{API}/exhibitions", json=NEW_EXHIBITION), 401)
    assert error["code"] == "unauthorized"
    error = error_of(client.post(f"{API}/exhibitions", json=NEW_EXHIBITION, headers=auth("archivist")), 403)
    assert error["code"] == "forbidden"
    bad = {"Authorization": "Bearer nonsense"}
    assert error_of(client.get(f"{API}/exhibitions", headers=bad), 401)["code"] == "unauthorized"
    assert client.post(f"{API}/exhibitions", json=NEW_EXHIBITION, headers=auth("admin")).status_code == 201
    assert exhibition_count(db_session) == 1


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("change", "field"),
    [({"venue": "atlantis"}, "venue"), ({"code": "cb-25"}, "code"), ({"closes_on": "2026-01-01"}, "closes_on"),
     ({"languages": ["not a tag"]}, "languages"), ({"opens_on": "tomorrow"}, "opens_on"),
     ({"mode": "radio"}, "mode"), ({"texts": {"fr": {"introduction": "Sans titre"}}}, "texts.fr.title")],
)  # fmt: skip
def test_create_refuses_invalid_settings_naming_the_field(client, db_session, auth, change, field):
    error = error_of(client.post(f"{API}/exhibitions", json=NEW_EXHIBITION | change, headers=auth()), 422)
    assert error["code"] == "invalid"
    assert field in [d["field"] for d in error["details"]]
    assert exhibition_count(db_session) == 0


def test_update_with_the_current_version(client, db_session, make_exhibition, auth):
    exhibition = make_exhibition()
    version = exhibition.version
    change = {"version": version, "texts": {"en": {"title": "Rights in Cao Bang", "state": "reviewed"}},
              "closes_on": "2027-01-15"}  # fmt: skip
    response = client.patch(f"{API}/exhibitions/{exhibition.id}", json=change, headers=auth())
    assert response.status_code == 200, response.json
    assert response.json["texts"]["en"] == {"title": "Rights in Cao Bang", "introduction": None, "state": "reviewed"}
    assert response.json["closes_on"] == "2027-01-15" and response.json["version"] == version + 1
    assert response.json["texts"]["vi"]["title"] == "Quyền con người ở Cao Bằng"  # languages left out are kept


def test_update_from_a_stale_version_is_409_and_changes_nothing(client, db_session, make_exhibition, auth):
    exhibition = make_exhibition()
    stale = exhibition.version
    headers = auth()
    assert client.patch(f"{API}/exhibitions/{exhibition.id}", json={"version": stale, "mode": "online"},
                        headers=headers).status_code == 200  # fmt: skip
    error = error_of(client.patch(f"{API}/exhibitions/{exhibition.id}", json={"version": stale, "mode": "in_person"},
                                  headers=headers), 409)  # fmt: skip
    assert error["code"] == "conflict" and error["field"] == "version"
    db_session.rollback()
    assert db_session.get(Exhibition, exhibition.id).mode == "online"


@pytest.mark.one_database
def test_update_needs_a_version(client, make_exhibition, auth):
    exhibition = make_exhibition()
    error = error_of(client.patch(f"{API}/exhibitions/{exhibition.id}", json={"mode": "online"}, headers=auth()), 422)
    assert error["field"] == "version"


def test_archived_exhibitions_cannot_change(client, db_session, curator, published, auth):
    exhibition = published()
    archive(db_session, curator, exhibition)
    db_session.commit()
    change = {"version": exhibition.version, "mode": "online"}
    assert error_of(client.patch(f"{API}/exhibitions/{exhibition.id}", json=change, headers=auth()), 403)


def test_add_sections_and_entries(client, db_session, make_exhibition, published_item, auth):
    exhibition = make_exhibition(sections=0)
    other = make_exhibition(sections=1, entries=0, code="XX26")
    item = published_item()
    headers = auth()
    texts = {"vi": {"title": "Xóa đói giảm nghèo", "body": "Thành tựu", "state": "reviewed"},
             "en": {"title": "Poverty"}}  # fmt: skip
    response = client.post(f"{API}/exhibitions/{exhibition.id}/sections", json={"texts": texts}, headers=headers)
    assert response.status_code == 201, response.json
    section = response.json
    assert section["texts"]["vi"] == {"title": "Xóa đói giảm nghèo", "body": "Thành tựu", "state": "reviewed"}
    assert section["entries"] == [] and section["qr"]["code"]
    entry_data = {"item_id": item.id, "panel_number": "07", "captions": {"tyz": {"text": "Hỏng slư", "state": "draft"}}}
    path = f"{API}/exhibitions/{exhibition.id}/sections/{section['id']}/entries"
    response = client.post(path, json=entry_data, headers=headers)
    assert response.status_code == 201, response.json
    entry = response.json
    assert (entry["item_id"], entry["panel_number"], entry["panel_code"]) == (item.id, "7", "CB26-007")
    assert entry["captions"] == {"tyz": {"text": "Hỏng slư", "state": "draft"}} and entry["qr"]["code"]
    # The same panel again, an unknown item, and a section of another exhibition.
    assert error_of(client.post(path, json=entry_data, headers=headers), 422)["field"] == "panel_number"
    assert error_of(client.post(path, json={"item_id": 99999}, headers=headers), 404)
    wrong = f"{API}/exhibitions/{other.id}/sections/{section['id']}/entries"
    assert error_of(client.post(wrong, json={"item_id": item.id}, headers=headers), 404)
    assert error_of(client.post(path, json={"item_id": item.id}, headers=auth("archivist")), 403)


@pytest.mark.one_database
def test_publish_lists_every_blocking_problem(client, db_session, make_exhibition, make_item, auth):
    exhibition = make_exhibition(sections=1, entries=1)
    headers = auth()
    draft_item = make_item()
    section_id = exhibition.sections[0].id
    client.post(f"{API}/exhibitions/{exhibition.id}/sections/{section_id}/entries", json={"item_id": draft_item.id},
                headers=headers)  # fmt: skip
    empty = client.post(f"{API}/exhibitions/{exhibition.id}/sections", json={"texts": {"en": {"title": "Only en"}}},
                        headers=headers)  # fmt: skip
    assert empty.status_code == 201
    error = error_of(client.post(f"{API}/exhibitions/{exhibition.id}/publish", headers=headers), 422)
    assert error["code"] == "invalid" and len(error["details"]) == 2
    assert any(draft_item.reference_code in d["message"] for d in error["details"])
    db_session.rollback()
    assert db_session.get(Exhibition, exhibition.id).status == ExhibitionStatus.DRAFT


def test_publish_then_archive(client, db_session, make_exhibition, auth):
    exhibition = make_exhibition()
    headers = auth()
    assert error_of(client.post(f"{API}/exhibitions/{exhibition.id}/archive", headers=headers), 422)
    assert error_of(client.post(f"{API}/exhibitions/{exhibition.id}/publish", headers=auth("archivist")), 403)
    response = client.post(f"{API}/exhibitions/{exhibition.id}/publish", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "published" and response.json["published_at"]
    assert client.get(f"{API}/exhibitions/{exhibition.id}").status_code == 200  # public now
    assert error_of(client.post(f"{API}/exhibitions/{exhibition.id}/publish", headers=headers), 422)
    response = client.post(f"{API}/exhibitions/{exhibition.id}/archive", headers=headers)
    assert response.json["status"] == "archived" and response.json["frozen"] is True
    assert error_of(client.post(f"{API}/exhibitions/999/publish", headers=headers), 404)


def test_publish_then_unpublish(client, db_session, make_exhibition, auth):
    exhibition = make_exhibition()
    headers = auth()
    assert error_of(client.post(f"{API}/exhibitions/{exhibition.id}/unpublish", headers=headers), 422)
    assert client.post(f"{API}/exhibitions/{exhibition.id}/publish", headers=headers).status_code == 200
    assert error_of(client.post(f"{API}/exhibitions/{exhibition.id}/unpublish", headers=auth("archivist")), 403)
    response = client.post(f"{API}/exhibitions/{exhibition.id}/unpublish", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "draft"
    db_session.rollback()
    assert db_session.get(Exhibition, exhibition.id).status == ExhibitionStatus.DRAFT


# --- Frameworks ----------------------------------------------------------------------------


def test_read_a_framework_then_derive_from_it(client, db_session, published, auth):
    framework = published(sections=2, entries=2, venue="vn-ha-noi", code="QG26", is_framework=True)
    listed = client.get(f"{API}/exhibitions?framework=true").json["exhibitions"]
    assert [e["code"] for e in listed] == ["QG26"]
    read = client.get(listed[0]["links"]["self"].removeprefix("http://vitrine.test")).json
    framework_entries = [e["id"] for s in read["sections"] for e in s["entries"]]
    data = {"venue": "vn-cao-bang", "code": "CB26", "languages": ["tyz", "en"],
            "texts": {"vi": {"title": "Quyền con người ở Cao Bằng", "state": "reviewed"}}}  # fmt: skip
    response = client.post(f"{API}/exhibitions/{read['id']}/derive", json=data, headers=auth())
    assert response.status_code == 201, response.json
    derived = response.json
    assert response.headers["Location"] == derived["links"]["self"]
    assert derived["derived_from"] == {"id": framework.id, "code": "QG26"}
    assert derived["status"] == "draft" and derived["is_framework"] is False
    assert derived["languages"] == ["tyz", "en"] and list(derived["texts"]) == ["vi"]
    assert [e["source_entry_id"] for s in derived["sections"] for e in s["entries"]] == framework_entries
    assert [e["item_id"] for s in derived["sections"] for e in s["entries"]] == [
        e["item_id"] for s in read["sections"] for e in s["entries"]]  # fmt: skip
    assert all(e["qr"]["code"] for s in derived["sections"] for e in s["entries"])
    assert error_of(client.post(f"{API}/exhibitions/{framework.id}/derive", json=data, headers=auth("archivist")), 403)


@pytest.mark.one_database
def test_only_a_framework_can_be_derived(client, published, auth):
    plain = published()
    response = client.post(f"{API}/exhibitions/{plain.id}/derive", json={"venue": "geneva"}, headers=auth())
    assert error_of(response, 422)["field"] == "framework"
    assert error_of(client.post(f"{API}/exhibitions/{plain.id}/derive", json={}, headers=auth()), 422)["field"] == (
        "venue"
    )


def test_the_public_is_not_told_of_a_framework_it_may_not_read(client, db_session, curator, make_exhibition, auth):
    """Issue 24, part 6 (found by tests/test_leaks.py): a published exhibition named the draft framework it was
    derived from, its id and code, to anyone."""
    framework = make_exhibition(sections=1, entries=1, code="QG27", is_framework=True)  # a draft
    derived = derive_exhibition(db_session, curator, framework, {"venue": "vn-cao-bang", "code": "CB27"})
    publish(db_session, curator, derived)
    db_session.commit()
    read, [listed] = client.get(f"{API}/exhibitions/{derived.id}").json, client.get(f"{API}/exhibitions").json[
        "exhibitions"]  # fmt: skip
    assert read["derived_from"] is None and listed["derived_from"] is None and "QG27" not in f"{read}{listed}"
    staff = client.get(f"{API}/exhibitions/{derived.id}", headers=auth("archivist")).json
    assert staff["derived_from"] == {"id": framework.id, "code": "QG27"}
    publish(db_session, curator, framework)
    db_session.commit()
    assert client.get(f"{API}/exhibitions/{derived.id}").json["derived_from"] == {"id": framework.id, "code": "QG27"}


def test_differences_and_pull(client, db_session, curator, published, auth):
    framework = published(sections=1, entries=2, venue="vn-ha-noi", code="QG26", is_framework=True)
    headers = auth()
    derived_id = client.post(f"{API}/exhibitions/{framework.id}/derive", json={"venue": "vn-cao-bang"},
                             headers=headers).json["id"]  # fmt: skip
    db_session.rollback()  # a fresh transaction, as in the auth fixture
    source = framework.entries[0]
    update_entry(db_session, curator, source, {"captions": {"vi": "Chú thích mới của khung"}})
    db_session.commit()
    assert error_of(client.get(f"{API}/exhibitions/{derived_id}/differences"), 401)
    found = client.get(f"{API}/exhibitions/{derived_id}/differences", headers=auth("archivist")).json
    assert found["derived_from"] == {"id": framework.id, "code": "QG26"}
    [difference] = found["differences"]
    assert difference["kind"] == "framework_changed" and difference["fields"] == ["captions.vi"]
    assert difference["source_entry_id"] == source.id and difference["pullable"] is True
    assert difference["key"] == f"s{source.id}"
    pull_path = f"{API}/exhibitions/{derived_id}/pull"
    assert error_of(client.post(pull_path, json={"key": difference["key"]}, headers=auth("archivist")), 403)
    response = client.post(pull_path, json={"key": difference["key"]}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["differences"] == []
    entry = client.get(f"{API}/exhibitions/{derived_id}", headers=headers).json["sections"][0]["entries"][0]
    assert entry["captions"]["vi"]["text"] == "Chú thích mới của khung"
    assert error_of(client.post(pull_path, json={"key": difference["key"]}, headers=headers), 404)
    plain = client.get(f"{API}/exhibitions/{framework.id}/differences", headers=headers).json
    assert plain == {"derived_from": None, "differences": []}


# --- Messages and the OpenAPI document -----------------------------------------------------


def translated(app, lang, message, **values) -> str:
    """`message` as the app says it to a reader of `lang`."""
    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        return _(message, **values)


@pytest.mark.one_database
def test_messages_follow_the_request_language(client, app):
    expected = translated(app, "fr", "There is no published exhibition %(id)s.", id=9)
    assert error_of(client.get(f"{API}/exhibitions/9?lang=fr"), 404)["message"] == expected


@pytest.mark.one_database
def test_openapi_documents_the_exhibition_endpoints(client):
    doc = client.get(f"{API}/openapi.json").json
    assert {"name": "exhibitions", "description": "Exhibitions and content frameworks, their QR links"} in doc["tags"]
    base = "/api/v1/exhibitions/{exhibition_id}"
    expected = {
        "/api/v1/exhibitions": {"get", "post"}, base: {"get", "patch"}, f"{base}/view": {"get"},
        f"{base}/qr-links": {"get"}, f"{base}/differences": {"get"}, f"{base}/derive": {"post"},
        f"{base}/sections": {"post"}, f"{base}/sections/{{section_id}}/entries": {"post"},
        f"{base}/publish": {"post"}, f"{base}/archive": {"post"}, f"{base}/pull": {"post"},
    }  # fmt: skip
    for path, methods in expected.items():
        operations = doc["paths"][path]
        assert set(operations) - {"parameters"} == methods, path
        for method in methods:
            assert operations[method]["tags"] == ["exhibitions"]
            assert "401" in operations[method]["responses"]
    assert {"403", "404", "409", "422"} <= set(doc["paths"][base]["patch"]["responses"])
    assert "422" in doc["paths"][f"{base}/publish"]["post"]["responses"]
    assert doc["paths"][base]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Exhibition"}  # fmt: skip


def test_the_api_takes_and_gives_own_titles(client, db_session, make_exhibition, published_item, auth):
    exhibition = make_exhibition(sections=1, entries=0)
    path = f"{API}/exhibitions/{exhibition.id}/sections/{exhibition.sections[0].id}/entries"
    data = {"item_id": published_item().id, "titles": {"en": {"text": "Own title", "state": "reviewed"}}}
    response = client.post(path, json=data, headers=auth())
    assert response.status_code == 201, response.json
    assert response.json["titles"] == {"en": {"text": "Own title", "state": "reviewed"}}
    view = client.get(f"{API}/exhibitions/{exhibition.id}/view?lang=en", headers=auth()).json
    assert view["sections"][0]["entries"][0]["title"]["text"] == "Own title"
    bad = client.post(path, json={"item_id": published_item().id, "titles": {"en": {"text": "x" * 501}}},
                      headers=auth())  # fmt: skip
    assert bad.status_code == 422 and bad.json["error"]["field"] == "titles.en"
    schema = client.get(f"{API}/openapi.json").json["components"]["schemas"]
    assert "titles" in schema["EntryInput"]["properties"] and "titles" in schema["Entry"]["properties"]
