"""The history presenter, called directly: labels, formatted values, texts per language, long texts."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from core.audit import AuditEvent
from core.auth import User
from core.history_presenter import (
    EXCERPT,
    NOTHING,
    HistoryPresenter,
    Value,
    as_chain,
    as_date,
    as_language,
    as_languages,
    each,
    labelled,
    plain,
    shorten,
)
from core.i18n import _l

AT = datetime(2026, 9, 1, 3, 4, 5, tzinfo=UTC)  # 10:04 in Hà Nội


def _event(action="update", before=None, after=None, user="curator@vitrine.test", comment=None):
    return AuditEvent(at=AT, user=User(email=user) if user else None, record_type="thing", record_id=1,
                      action=action, before=before, after=after, comment=comment)  # fmt: skip


def _presenter(**overrides) -> HistoryPresenter:
    settings = {
        "labels": {"status": _l("Status"), "opens_on": _l("Opens on"), "languages": _l("Other languages"),
                   "texts": _l("Texts")},
        "formatters": {"status": labelled({"draft": _l("Draft"), "reviewed": _l("Reviewed")}), "opens_on": as_date,
                       "languages": as_languages},
        "texts": {"texts": {"title": _l("Title"), "description": _l("Description"), "state": _l("Text state")}},
        "text_formatters": {"state": labelled({"draft": _l("Draft"), "reviewed": _l("Reviewed")})},
        "actions": {"update": _l("Edited")}.get,
    } | overrides  # fmt: skip
    return HistoryPresenter(**settings)


def _rows(entry) -> list[tuple]:
    return [(c.label, c.before.text, c.after.text) for c in entry.changes]


def test_fields_read_in_the_readers_language_in_the_domains_order(app):
    event = _event(
        before={"opens_on": "2026-09-01", "status": "draft", "languages": ["en"], "zeta": 1},
        after={"opens_on": "2026-10-15", "status": "reviewed", "languages": ["en", "fr"], "zeta": 2},
    )
    with force_locale("fr"):
        entry = _presenter().present_event(event)
    assert _rows(entry) == [
        ("Statut", "Brouillon", "Relu"),
        ("Date d'ouverture", "1 sept. 2026", "15 oct. 2026"),
        ("Autres langues", "Anglais", "Anglais, Français"),
        ("zeta", "1", "2"),  # a field the domain does not name comes last, as recorded
    ]
    with force_locale("vi"):
        entry = _presenter().present_event(event)
    assert _rows(entry)[1:3] == [("Ngày khai mạc", "1 thg 9, 2026", "15 thg 10, 2026"),
                                 ("Các ngôn ngữ khác", "Tiếng Anh", "Tiếng Anh, Tiếng Pháp")]  # fmt: skip


def test_who_when_and_the_action(app):
    with force_locale("fr"):
        entry = _presenter().present_event(_event(after={"status": "draft"}, comment="Relu par l'équipe"))
        by_system = _presenter().present_event(_event(action="cleanup", user=None))
    assert (entry.who, entry.action, entry.action_label, entry.comment) == (
        "curator@vitrine.test",
        "update",
        "Modifié",
        "Relu par l'équipe",
    )
    assert entry.at == AT and entry.when == "1 sept. 2026, 10:04:05"  # in the app's time zone, Asia/Ho_Chi_Minh
    assert (by_system.who, by_system.action_label) == ("système", "cleanup")
    with force_locale("vi"):
        assert _presenter().present_event(_event()).when == "10:04:05 1 thg 9, 2026"


def test_none_empty_lists_and_booleans(app):
    event = _event(before={"tags": ["a", "b"], "framework": False, "creator": None},
                   after={"tags": [], "framework": True, "creator": "Võ An Ninh"})  # fmt: skip
    with force_locale("fr"):
        rows = _rows(_presenter().present_event(event))
    assert rows == [("creator", NOTHING, "Võ An Ninh"), ("framework", "non", "oui"), ("tags", "a, b", NOTHING)]


def test_texts_per_language_show_only_the_parts_that_changed(app):
    before = {"vi": {"title": "Ngày Độc lập", "description": "Quảng trường Ba Đình", "state": "draft"}}
    after = {"vi": {"title": "Ngày Độc lập", "description": "Quảng trường Ba Đình, 2-9-1945", "state": "reviewed"},
             "fr": {"title": "Jour de l'indépendance", "description": None, "state": "draft"}}  # fmt: skip
    with force_locale("fr"):
        entry = _presenter().present_event(_event(before={"texts": before}, after={"texts": after}))
    assert _rows(entry) == [
        ("Description (vietnamien)", "Quảng trường Ba Đình", "Quảng trường Ba Đình, 2-9-1945"),
        ("État du texte (vietnamien)", "Brouillon", "Relu"),
        ("Titre (français)", NOTHING, "Jour de l'indépendance"),
        ("État du texte (français)", NOTHING, "Brouillon"),
    ]
    description, state, title, _state = entry.changes
    assert description.field == "texts.vi.description" and description.after.lang == "vi"
    assert title.after.lang == "fr" and title.before.lang is None  # "—" is the reader's
    assert state.after.lang is None  # the state is named in the reader's language, not the text's


def test_a_long_text_shows_the_passage_that_changed(app):
    before = "Bản chép lời. " * 15000  # about 210,000 characters, as a long transcription
    after = before[:150000] + "ĐÃ SỬA" + before[150000:]
    with force_locale("vi"):
        entry = _presenter().present_event(_event(before={"texts": {"vi": {"transcription": before}}},
                                                  after={"texts": {"vi": {"transcription": after}}}))  # fmt: skip
    [change] = entry.changes
    assert change.label == "transcription (tiếng Việt)"  # a part the domain did not name, in its language
    assert change.before.shortened and change.before.length == len(before)
    assert change.after.length == len(after) and "ĐÃ SỬA" in change.after.text
    for shown in (change.before, change.after):
        assert shown.text.startswith("…") and shown.text.endswith("…") and len(shown.text) == EXCERPT + 2
    # Both excerpts start at the same place, a little before the change, so they read side by side.
    assert change.before.text[:40] == change.after.text[:40]


def test_short_texts_are_not_shortened():
    before, after = shorten(Value("Ngắn"), Value("x" * EXCERPT))
    assert (before, after) == (Value("Ngắn"), Value("x" * EXCERPT)) and not after.shortened
    before, after = shorten(Value(NOTHING), Value("y" * (EXCERPT + 1), "vi"))
    assert after == Value("y" * EXCERPT + "…", "vi", EXCERPT + 1) and before == Value(NOTHING)


def test_unchanged_fields_say_what_the_event_is_about_and_hidden_ones_are_left_out(app):
    event = _event(before={"section": 7, "position": 3, "key": "s9"}, after={"section": 7, "position": 2, "key": "s9"})
    presenter = _presenter(labels={"section": "Section", "position": "Position"},
                           formatters={"section": lambda sid: f"Part {sid}"}, hidden=frozenset({"key"}))  # fmt: skip
    with force_locale("en"):
        entry = presenter.present_event(event)
    assert [(f.label, f.value.text) for f in entry.about] == [("Section", "Part 7")]
    assert _rows(entry) == [("Position", "3", "2")]


def test_present_keeps_the_order_of_the_events(app):
    events = [_event(after={"status": "reviewed"}), _event(action="create", after={"status": "draft"})]
    with force_locale("en"):
        assert [e.action for e in _presenter().present(events)] == ["update", "create"]


@pytest.mark.parametrize(
    ("formatter", "value", "shown"),
    [
        (as_date, "2026-09-01", "Sep 1, 2026"),
        (as_date, "c. 1954", "c. 1954"),  # not an ISO date: shown as recorded
        (as_language, "tyz", "Tày"),
        (as_languages, ["fr", "en"], "French, English"),
        (as_chain, ["fr", "en", "vi"], "French → English → Vietnamese"),
        (labelled({"a": _l("Draft")}), "a", "Draft"),
        (labelled({"a": _l("Draft")}), "zz", "zz"),
        (labelled(lambda v: {"x": "Ex"}[v]), "y", "y"),  # a function that knows no label: as recorded
        (each(labelled({"ICCPR": "Civil and political rights"})), ["ICCPR", "CRC"], "Civil and political rights, CRC"),
        (plain, {"change": "pull", "n": 2}, "change: pull; n: 2"),
    ],
)
def test_shared_formatters(app, formatter, value, shown):
    with force_locale("en"):
        assert str(formatter(value)) == shown
