import pytest

from core.audit import history
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from exhibitions.composing import (
    add_entry,
    add_section,
    arrange,
    create_exhibition,
    get_entry,
    move_entry,
    move_section,
    remove_entry,
    suggest_code,
    update_entry,
    update_exhibition,
)
from exhibitions.models import Exhibition, ExhibitionMode, QrLink, QrTarget


def _layout(exhibition):
    return [[e.item.reference_code for e in s.entries] for s in exhibition.sections]


def test_create_exhibition_validates_settings_and_gives_codes(db_session, curator):
    exhibition = create_exhibition(db_session, curator, {
        "venue": "geneva", "mode": "online", "opens_on": "2026-12-10", "closes_on": "2027-01-31",
        "primary_language": "FR", "languages": "en, vi", "fallback_chain": ["fr", "en", "vi"],
        "texts": {"fr": {"title": "Les droits de l'homme au Viêt Nam", "state": "reviewed"}},
    })  # fmt: skip
    db_session.commit()
    assert exhibition.code == "GE26"  # Geneva, 2026
    assert exhibition.primary_language == "fr" and exhibition.languages == ["en", "vi"]
    assert exhibition.mode == ExhibitionMode.ONLINE
    assert exhibition.fallback_chain == ["fr", "en", "vi"]
    links = db_session.query(QrLink).filter_by(exhibition_id=exhibition.id).all()
    assert {(link.target, link.lang) for link in links} == {
        (QrTarget.EXHIBITION, None), (QrTarget.EXHIBITION, "en"), (QrTarget.EXHIBITION, "vi"),
        (QrTarget.EBOOK, "fr"), (QrTarget.EBOOK, "en"), (QrTarget.EBOOK, "vi"),
    }  # fmt: skip
    assert all(len(link.code) == 6 for link in links)
    assert history(db_session, "exhibition", exhibition.id)[0].action == "create"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"venue": "nowhere"}, "venue"),
        ({"venue": "vn-ha-giang"}, "venue"),  # merged into Tuyên Quang on 1 July 2025
        ({"mode": "by-post"}, "mode"),
        ({"opens_on": "2026-31-12"}, "opens_on"),
        ({"opens_on": "2026-12-31", "closes_on": "2026-01-01"}, "closes_on"),
        ({"primary_language": "not a tag"}, "primary_language"),
        ({"fallback_chain": ["ru"]}, "fallback_chain"),
        ({"code": "cb 25"}, "code"),
        ({"texts": {"vi": {"title": "x" * 501}}}, "texts.vi.title"),
        ({"texts": {"vi": {"introduction": "Chỉ có lời giới thiệu"}}}, "texts.vi.title"),
        ({"texts": {}}, "texts.vi.title"),
    ],
)
def test_create_exhibition_refuses_bad_settings(db_session, curator, change, field):
    data = {"venue": "vn-cao-bang", "texts": {"vi": {"title": "Triển lãm"}}} | change
    with pytest.raises(ValidationError) as caught:
        create_exhibition(db_session, curator, data)
    assert field in [f for f, _m in caught.value.errors]
    db_session.rollback()
    assert db_session.query(Exhibition).count() == 0


def test_codes_are_unique_and_suggested_with_a_suffix(db_session, curator, make_exhibition):
    first = make_exhibition(sections=0)
    assert first.code == "CB26"
    assert suggest_code(db_session, first.venue, 2026) == "CB26A"
    with pytest.raises(ValidationError) as caught:
        create_exhibition(db_session, curator, {"code": "cb26", "texts": {"vi": {"title": "Khác"}}})
    assert caught.value.field == "code"


def test_only_curators_and_admins_compose(db_session, make_user, make_exhibition):
    archivist = make_user("archivist")
    with pytest.raises(Forbidden):
        create_exhibition(db_session, archivist, {"texts": {"vi": {"title": "Triển lãm"}}})
    exhibition = make_exhibition(sections=1, entries=0)
    with pytest.raises(Forbidden):
        add_section(db_session, archivist, exhibition, {"vi": {"title": "Phần"}})


def test_entries_get_panel_numbers_and_codes(db_session, curator, make_exhibition, published_item):
    exhibition = make_exhibition(sections=2, entries=2)
    assert [e.panel_number for e in exhibition.entries] == ["1", "2", "3", "4"]
    links = {(str(link.target), link.target_id) for link in db_session.query(QrLink).all()}
    assert {("entry", e.id) for e in exhibition.entries} <= links
    assert {("section", s.id) for s in exhibition.sections} <= links
    entry = add_entry(db_session, curator, exhibition.sections[0], published_item().id, panel_number="017")
    assert entry.panel_number == "17"
    with pytest.raises(ValidationError) as caught:
        add_entry(db_session, curator, exhibition.sections[0], published_item().id, panel_number="0017")
    assert caught.value.field == "panel_number"


def test_update_entry_keeps_other_captions_and_removes_empty_ones(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1)
    entry = exhibition.entries[0]
    update_entry(db_session, curator, entry, {"captions": {"vi": {"text": "Chú thích", "state": "reviewed"},
                                                           "fr": "Légende"}})  # fmt: skip
    update_entry(db_session, curator, entry, {"captions": {"fr": ""}, "panel_number": "A-1"})
    db_session.commit()
    db_session.expire_all()
    entry = get_entry(db_session, exhibition, entry.id)
    assert entry.captions == {"vi": {"text": "Chú thích", "state": "reviewed"}}
    assert entry.panel_number == "A-1"


def test_reorder_by_moves_and_by_layout(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    a, b, c, d = (e.item.reference_code for e in exhibition.entries)
    move_entry(db_session, curator, exhibition.entries[1], +1)  # last of section 1 → first of section 2
    assert _layout(exhibition) == [[a], [b, c, d]]
    move_entry(db_session, curator, exhibition.sections[1].entries[0], -1)
    assert _layout(exhibition) == [[a, b], [c, d]]
    move_section(db_session, curator, exhibition.sections[1], -1)
    assert _layout(exhibition) == [[c, d], [a, b]]
    ids = [[e.id for e in s.entries] for s in exhibition.sections]
    arrange(db_session, curator, exhibition, {exhibition.sections[0].id: [ids[1][1], ids[0][0]],
                                              exhibition.sections[1].id: [ids[0][1], ids[1][0]]})  # fmt: skip
    db_session.commit()
    db_session.expire_all()
    assert _layout(db_session.get(Exhibition, exhibition.id)) == [[b, c], [d, a]]


def test_arrange_refuses_a_layout_that_loses_an_entry(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2)
    section = exhibition.sections[0]
    with pytest.raises(ValidationError):
        arrange(db_session, curator, exhibition, {section.id: [section.entries[0].id]})
    with pytest.raises(ValidationError):
        arrange(db_session, curator, exhibition, {section.id: ["x"]})


def test_removed_entry_keeps_its_printed_code(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2)
    entry = exhibition.entries[0]
    code = db_session.query(QrLink).filter_by(target=QrTarget.ENTRY, target_id=entry.id, lang=None).one().code
    remove_entry(db_session, curator, entry)
    db_session.commit()
    assert [e.position for e in exhibition.entries] == [0]
    assert db_session.query(QrLink).filter_by(code=code).one().target_id == entry.id
    with pytest.raises(NotFound):
        get_entry(db_session, exhibition, entry.id)


def test_stale_version_is_refused(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=0)
    old = exhibition.version
    update_exhibition(db_session, curator, exhibition, {"mode": "online"}, old)
    db_session.commit()
    with pytest.raises(Conflict):
        update_exhibition(db_session, curator, exhibition, {"mode": "in_person"}, old)


def test_a_text_change_without_the_version_is_refused(db_session, curator, make_exhibition):
    from core.errors import VersionRequired

    exhibition = make_exhibition(sections=0)
    version = exhibition.version
    with pytest.raises(VersionRequired):
        update_exhibition(db_session, curator, exhibition, {"texts": {"vi": {"title": "Không có phiên bản"}}})
    db_session.rollback()
    update_exhibition(db_session, curator, exhibition, {"mode": "online"})  # a setting alone: as before
    update_exhibition(db_session, curator, exhibition, {"texts": {"vi": {"title": "Có phiên bản"}}}, version + 1)


def test_unpublished_item_cannot_join_a_published_exhibition(db_session, curator, make_exhibition, make_item):
    from exhibitions.composing import publish

    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, curator, exhibition)
    draft = make_item()
    with pytest.raises(ValidationError) as caught:
        add_entry(db_session, curator, exhibition.sections[0], draft.id)
    assert draft.reference_code in caught.value.message


def test_exhibition_texts_have_newlines_and_refuse_control_characters(db_session, curator):
    exhibition = create_exhibition(
        db_session, curator, {"texts": {"vi": {"title": "Triển lãm", "introduction": "Một\r\nHai\rBa"}}}
    )
    assert exhibition.text_for("vi").introduction == "Một\nHai\nBa"
    with pytest.raises(ValidationError) as refused:
        create_exhibition(db_session, curator, {"texts": {"vi": {"title": "Triển\x08lãm"}}})
    [(field, message)] = refused.value.errors
    assert field == "texts.vi.title" and "U+0008" in message
