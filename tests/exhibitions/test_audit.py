"""Every change to an exhibition leaves an audit event: who, which action, what it was and became."""

import inspect

import pytest

from core.audit import history
from exhibitions import composing
from exhibitions.composing import (
    add_entry,
    add_section,
    archive,
    arrange,
    create_exhibition,
    derive_exhibition,
    differences,
    move_entry,
    move_section,
    publish,
    pull,
    remove_entry,
    remove_section,
    renumber_panels,
    unpublish,
    update_entry,
    update_exhibition,
    update_section,
)


def _last(db_session, exhibition):
    db_session.commit()
    return history(db_session, "exhibition", exhibition.id)[0]


def _changed(event) -> dict:
    return {name: (before, after) for name, before, after in event.changed_fields()}


# --- Settings and lifecycle ------------------------------------------------------------------


def test_create_and_update_are_audited_with_what_changed(db_session, curator):
    exhibition = create_exhibition(db_session, curator, {"venue": "vn-cao-bang", "opens_on": "2026-09-01",
                                                         "texts": {"vi": {"title": "Quyền trẻ em"}}})  # fmt: skip
    event = _last(db_session, exhibition)
    assert (event.action, event.user_id, event.before) == ("create", curator.id, None)
    assert event.after["texts"]["vi"]["title"] == "Quyền trẻ em" and event.after["opens_on"] == "2026-09-01"

    update_exhibition(db_session, curator, exhibition, {"opens_on": "2026-10-01", "languages": ["en", "fr"]})
    event = _last(db_session, exhibition)
    assert event.action == "update"
    assert _changed(event) == {"opens_on": ("2026-09-01", "2026-10-01"), "languages": ([], ["en", "fr"])}


def test_publish_unpublish_and_archive_are_audited(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1)
    for change, action, status in [(publish, "publish", "published"), (unpublish, "unpublish", "draft"),
                                   (publish, "publish", "published"), (archive, "archive", "archived")]:  # fmt: skip
        before = str(exhibition.status)
        change(db_session, curator, exhibition)
        event = _last(db_session, exhibition)
        assert (event.action, event.user_id) == (action, curator.id)
        assert _changed(event)["status"] == (before, status)


# --- Sections --------------------------------------------------------------------------------


def test_adding_and_updating_a_section_is_audited_with_its_texts(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=0)
    section = add_section(db_session, curator, exhibition, {"vi": {"title": "Phần mới"}})
    event = _last(db_session, exhibition)
    assert (event.action, event.after) == ("add_section", {"section": section.id})

    update_section(db_session, curator, section, {"vi": {"title": "Phần đã sửa", "body": "Lời dẫn"},
                                                  "fr": {"title": "Nouvelle partie"}})  # fmt: skip
    event = _last(db_session, exhibition)
    assert (event.action, event.user_id) == ("update_section", curator.id)
    # The section is named even though it did not change: it says which part of the exhibition did.
    assert event.before["section"] == event.after["section"] == section.id
    assert event.before["texts"] == {"vi": {"title": "Phần mới", "body": None, "state": "draft"}}
    assert event.after["texts"]["vi"]["title"] == "Phần đã sửa" and event.after["texts"]["vi"]["body"] == "Lời dẫn"
    assert event.after["texts"]["fr"]["title"] == "Nouvelle partie"
    assert [name for name, _b, _a in event.changed_fields()] == ["texts"]
    assert event.unchanged_fields() == [("section", section.id)]


def test_moving_a_section_is_audited_with_its_positions(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=3, entries=0)
    third = exhibition.sections[2]
    move_section(db_session, curator, third, -1)
    event = _last(db_session, exhibition)
    assert (event.action, event.user_id) == ("move_section", curator.id)
    assert event.before == {"section": third.id, "position": 3} and event.after == {"section": third.id, "position": 2}


def test_removing_a_section_is_audited_with_its_texts_and_items(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    section = exhibition.sections[0]
    codes = [e.item.reference_code for e in section.entries]
    remove_section(db_session, curator, section)
    event = _last(db_session, exhibition)
    assert (event.action, event.after) == ("remove_section", None)
    assert event.before["section"] == section.id and event.before["items"] == codes
    assert event.before["texts"]["en"]["title"] == "Part 1"


# --- Entries and order -----------------------------------------------------------------------


def test_entries_added_updated_and_removed_are_audited(db_session, curator, make_exhibition, published_item):
    exhibition = make_exhibition(sections=1, entries=1)
    item = published_item()
    entry = add_entry(db_session, curator, exhibition.sections[0], item.id)
    event = _last(db_session, exhibition)
    assert event.action == "add_entry"
    assert event.after == {"entry": entry.id, "item": item.reference_code, "panel": "2"}

    update_entry(db_session, curator, entry, {"panel_number": "7", "captions": {"fr": "Légende"}})
    event = _last(db_session, exhibition)
    assert event.action == "update_entry"
    assert _changed(event) == {"panel": ("2", "7"), "captions": ({}, {"fr": {"text": "Légende", "state": "draft"}})}
    assert event.unchanged_fields() == [("entry", entry.id), ("item", item.reference_code)]

    remove_entry(db_session, curator, entry)
    event = _last(db_session, exhibition)
    assert (event.action, event.after) == ("remove_entry", None)
    assert event.before == {"entry": entry.id, "item": item.reference_code, "panel": "7"}


def test_moves_and_arrangements_are_audited_with_the_order_before_and_after(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    (a, b), (c, d) = [[e.id for e in s.entries] for s in exhibition.sections]
    move_entry(db_session, curator, exhibition.entries[0], 1)
    event = _last(db_session, exhibition)
    assert event.action == "arrange" and _changed(event) == {"order": ([[a, b], [c, d]], [[b, a], [c, d]])}

    first, second = exhibition.sections
    arrange(db_session, curator, exhibition, {str(first.id): [b], str(second.id): [d, c, a]})
    event = _last(db_session, exhibition)
    assert event.action == "arrange" and _changed(event) == {"order": ([[b, a], [c, d]], [[b], [d, c, a]])}


def test_renumbering_is_audited_with_the_numbers_before_and_after(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    move_entry(db_session, curator, exhibition.entries[3], -1)
    db_session.commit()
    renumber_panels(db_session, curator, exhibition)
    event = _last(db_session, exhibition)
    assert (event.action, event.user_id) == ("renumber", curator.id)
    assert _changed(event) == {"panels": (["1", "2", "4", "3"], ["1", "2", "3", "4"])}
    renumber_panels(db_session, curator, exhibition)  # nothing to change: nothing recorded
    assert _last(db_session, exhibition).id == event.id


# --- Frameworks ------------------------------------------------------------------------------


def test_deriving_and_pulling_are_audited(db_session, curator, make_exhibition):
    framework = make_exhibition(sections=1, entries=2, venue="vn-ha-noi", code="QG26", is_framework=True)
    derived = derive_exhibition(db_session, curator, framework, {"venue": "vn-cao-bang"})
    db_session.commit()
    actions = [e.action for e in history(db_session, "exhibition", derived.id)]
    assert actions == ["derive", "create"]
    assert history(db_session, "exhibition", derived.id)[0].after == {"framework": "QG26"}

    gone = framework.entries[1]
    remove_entry(db_session, curator, gone)
    db_session.commit()
    [difference] = differences(db_session, derived)
    pull(db_session, curator, derived, difference.key)
    event = _last(db_session, derived)
    assert event.action == "pull"
    assert event.after == {"change": "removed_in_framework", "key": difference.key, "item": gone.item.reference_code}


# --- Nothing left out ------------------------------------------------------------------------

AUDITED = {
    "create_exhibition", "update_exhibition", "publish", "unpublish", "archive", "add_section", "update_section",
    "move_section", "remove_section", "add_entry", "update_entry", "remove_entry", "move_entry", "arrange",
    "renumber_panels", "derive_exhibition", "pull",
}  # fmt: skip


def _changes_by_a_user():
    for name in composing.__all__:
        function = getattr(composing, name)
        if inspect.isfunction(function) and list(inspect.signature(function).parameters)[:2] == ["session", "user"]:
            yield name


@pytest.mark.parametrize("name", sorted(_changes_by_a_user()))
def test_every_change_a_curator_makes_is_covered_here(name):
    # A new service that changes an exhibition for a user must be audited, and tested above.
    assert name in AUDITED
