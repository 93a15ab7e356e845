import pytest
from sqlalchemy import select

from archive.models import Item, ItemStatus, TextState
from archive.queries import display_text, list_items
from archive.services import create_item, remove_text, set_text, snapshot, update_item
from archive.workflow import apply_transition, available_transitions
from core.audit import history
from core.errors import Conflict, Forbidden, ValidationError


def _stored(db_session, item_id):
    db_session.expire_all()
    return snapshot(db_session.get(Item, item_id))


def test_create_item_with_texts_terms_tags_and_audit(db_session, make_user):
    user = make_user("archivist")
    item = create_item(db_session, user, {
        "reference_code": "VTR-1", "type": "poster", "date": "c. 1954", "place": "vn-cao-bang", "body": "ttxvn",
        "terms": ["CRC", "poverty-reduction"], "tags": ["tranh cổ động", "Tranh cổ động", "1954"],
        "texts": {"vi": {"title": "Tranh cổ động", "state": "reviewed"}, "EN-us": {"title": "Poster"},
                  "tyz": {"title": "Tranh", "state": "machine"}},
    })  # fmt: skip
    db_session.commit()
    assert item.status == ItemStatus.DRAFT and item.version == 1
    assert item.date_approximate and item.date_start.year == 1954
    assert [t.code for t in item.terms] == ["CRC", "poverty-reduction"]
    assert [t.label for t in item.tags] == ["1954", "tranh cổ động"]
    assert sorted(item.languages) == ["en-US", "tyz", "vi"]
    assert item.text_for("tyz").state == TextState.MACHINE
    [event] = history(db_session, "item", item.id)
    assert event.action == "create" and event.after["reference_code"] == "VTR-1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reference_code": "TAKEN"}, "reference_code"),
        ({"reference_code": ""}, "reference_code"),
        ({"reference_code": "x" * 81}, "reference_code"),
        ({"type": "sculpture"}, "type"),
        ({"date": "1945-13-01"}, "date"),
        ({"place": "atlantis"}, "place"),
        ({"terms": ["ICCPR", "NOPE"]}, "terms"),
        ({"texts": {"xx-123": {"title": "?"}}}, "texts.xx-123.lang"),
        ({"texts": {"vi": {"title": ""}}}, "texts.vi.title"),
        ({"texts": {"vi": {"title": "a" * 501}}}, "texts.vi.title"),
        ({"texts": {"vi": {"title": "ok", "state": "final"}}}, "texts.vi.state"),
        ({"creator": "bad\x00name"}, "creator"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(db_session, make_item, make_user, change, field):
    make_item(reference_code="TAKEN")
    item = make_item(reference_code="MINE")
    before = _stored(db_session, item.id)
    with pytest.raises(ValidationError) as caught:
        update_item(db_session, make_user("curator"), db_session.get(Item, item.id), change, item.version)
    assert field in [name for name, _message in caught.value.errors]
    assert all(message for _name, message in caught.value.errors)
    db_session.rollback()
    assert _stored(db_session, item.id) == before


def test_create_reports_every_problem_at_once(db_session, make_user):
    with pytest.raises(ValidationError) as caught:
        create_item(db_session, make_user(), {"reference_code": "", "type": "x", "date": "soon", "texts": {}})
    assert {"reference_code", "type", "date"} <= {name for name, _m in caught.value.errors}
    assert db_session.scalar(select(Item)) is None


def test_stale_version_is_refused_with_a_conflict(db_session, make_item, make_user):
    item = make_item()
    curator = make_user("curator")
    update_item(db_session, curator, item, {"creator": "first"}, expected_version=1)
    db_session.commit()
    with pytest.raises(Conflict) as caught:
        update_item(db_session, curator, item, {"creator": "second"}, expected_version=1)
    assert caught.value.field == "version"
    db_session.rollback()
    assert _stored(db_session, item.id)["creator"] == "first"


def test_text_changes_alone_bump_the_version(db_session, make_item, make_user):
    item = make_item()
    set_text(db_session, make_user("curator"), item, "fr", {"title": "Photo d'archive"}, expected_version=1)
    db_session.commit()
    assert item.version == 2 and item.text_for("fr").title == "Photo d'archive"


def test_workflow_submit_publish_withdraw_with_comments(db_session, make_item, make_user):
    archivist, curator = make_user("archivist"), make_user("curator")
    item = make_item(user=archivist)
    assert [t.name for t in available_transitions(archivist, item)] == ["submit"]
    apply_transition(db_session, archivist, item, "submit")
    with pytest.raises(Forbidden):
        apply_transition(db_session, archivist, item, "publish")
    with pytest.raises(ValidationError) as caught:
        apply_transition(db_session, curator, item, "send_back", comment="  ")
    assert caught.value.field == "comment"
    apply_transition(db_session, curator, item, "send_back", comment="Thiếu nguồn ảnh")
    apply_transition(db_session, archivist, item, "submit")
    apply_transition(db_session, curator, item, "publish")
    with pytest.raises(ValidationError):
        apply_transition(db_session, curator, item, "publish")
    apply_transition(db_session, curator, item, "withdraw", comment="Quyền tác giả chưa rõ")
    db_session.commit()
    actions = [e.action for e in reversed(history(db_session, "item", item.id))]
    assert actions == ["create", "submit", "send_back", "submit", "publish", "withdraw"]
    assert history(db_session, "item", item.id)[0].comment == "Quyền tác giả chưa rõ"


def test_vietnamese_title_is_required_before_review(db_session, make_item, make_user):
    item = make_item(texts={"en": {"title": "Only English"}})
    with pytest.raises(ValidationError) as caught:
        apply_transition(db_session, make_user("archivist"), item, "submit")
    assert caught.value.field == "texts.vi.title"
    assert item.status == ItemStatus.DRAFT


def test_vietnamese_text_cannot_be_removed_once_in_review(db_session, make_item, make_user):
    curator = make_user("curator")
    item = make_item()
    apply_transition(db_session, curator, item, "submit")
    with pytest.raises(ValidationError):
        remove_text(db_session, curator, item, "vi", item.version)


def test_archivist_cannot_edit_an_item_in_review(db_session, make_item, make_user):
    archivist = make_user("archivist")
    item = make_item(user=archivist)
    apply_transition(db_session, archivist, item, "submit")
    with pytest.raises(Forbidden):
        update_item(db_session, archivist, item, {"creator": "x"}, item.version)


def test_lists_filter_and_the_public_sees_published_only(db_session, make_item, make_user):
    curator = make_user("curator")
    published = make_item(type="document", place="vn-gia-lai", terms=["CERD"],
                          texts={"vi": {"title": "Kế hoạch Gia Lai"}, "fr": {"title": "Plan"}})  # fmt: skip
    make_item(type="photo", texts={"vi": {"title": "Ảnh Hà Nội"}})
    apply_transition(db_session, curator, published, "submit")
    apply_transition(db_session, curator, published, "publish")
    db_session.commit()
    assert [i.id for i in list_items(db_session, {}, public=True).items] == [published.id]
    assert list_items(db_session, {}).total == 2
    for filters in ({"type": "document"}, {"place": "vn-gia-lai"}, {"term": "CERD"}, {"has_lang": "fr"},
                    {"q": "gia lai"}, {"status": "published"}):  # fmt: skip
        assert [i.id for i in list_items(db_session, filters).items] == [published.id], filters
    with pytest.raises(ValidationError):
        list_items(db_session, {"status": "lost"})


def test_missing_translation_falls_back_along_the_visitors_chain(make_item):
    item = make_item(texts={"vi": {"title": "Tiêu đề"}, "en": {"title": "Title"}})
    assert display_text(item, "en").text.title == "Title" and not display_text(item, "en").fallback
    shown = display_text(item, "fr")  # visitor → English → Vietnamese
    assert (shown.text.title, shown.lang, shown.fallback) == ("Title", "en", True)
    tay = display_text(item, "tyz")  # a language of Vietnam's peoples goes through Vietnamese first
    assert (tay.text.title, tay.lang, tay.fallback) == ("Tiêu đề", "vi", True)
    only_vietnamese = make_item(texts={"vi": {"title": "Chỉ tiếng Việt"}})
    assert display_text(only_vietnamese, "fr").lang == "vi"
