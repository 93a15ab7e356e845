import pytest

from core.errors import NotFound, ValidationError
from exhibitions.composing import (
    add_entry,
    add_section,
    derive_exhibition,
    differences,
    pull,
    remove_entry,
    update_entry,
)
from exhibitions.models import Exhibition


@pytest.fixture
def framework(make_exhibition):
    return make_exhibition(sections=2, entries=2, venue="vn-ha-noi", code="QG26", is_framework=True)


def _derive(db_session, curator, framework, **data):
    derived = derive_exhibition(db_session, curator, framework, {"venue": "vn-cao-bang", **data})
    db_session.commit()
    return derived


def _kinds(db_session, derived):
    return sorted((d.kind, tuple(d.fields)) for d in differences(db_session, derived))


def test_derive_copies_sections_entries_and_remembers_the_source(db_session, curator, framework):
    derived = _derive(db_session, curator, framework, primary_language="fr", languages=["en"],
                      fallback_chain=["fr", "en", "vi"])  # fmt: skip
    assert derived.derived_from is framework and not derived.is_framework
    assert derived.code == "CB26" and derived.primary_language == "fr"
    assert [t.lang for t in derived.texts] == ["en", "vi"]  # the framework's texts, to adapt
    assert [[e.item_id for e in s.entries] for s in derived.sections] == [
        [e.item_id for e in s.entries] for s in framework.sections
    ]
    assert [e.source_entry_id for e in derived.entries] == [e.id for e in framework.entries]
    assert [s.source_section_id for s in derived.sections] == [s.id for s in framework.sections]
    assert differences(db_session, derived) == []


def test_only_a_framework_can_be_derived(db_session, curator, make_exhibition):
    plain = make_exhibition(sections=1, entries=1)
    with pytest.raises(ValidationError):
        derive_exhibition(db_session, curator, plain, {"venue": "geneva"})


def test_diff_tells_framework_changes_from_local_adaptations(db_session, curator, framework, published_item):
    derived = _derive(db_session, curator, framework)
    f1, f2, f3, f4 = framework.entries
    d1, d2, d3, d4 = derived.entries
    update_entry(db_session, curator, f1, {"captions": {"vi": "Chú thích mới của khung"}})
    update_entry(db_session, curator, d2, {"captions": {"vi": "Chú thích riêng của tỉnh"}})
    update_entry(db_session, curator, f3, {"captions": {"en": "Framework caption"}})
    update_entry(db_session, curator, d3, {"captions": {"en": "Local caption"}})
    remove_entry(db_session, curator, f4)
    added = add_entry(db_session, curator, framework.sections[0], published_item().id)
    local = add_entry(db_session, curator, derived.sections[1], published_item().id)
    db_session.commit()
    found = {d.kind: d for d in differences(db_session, derived)}
    assert _kinds(db_session, derived) == [
        ("added_in_framework", ("item",)),
        ("added_locally", ("item",)),
        ("both_changed", ("captions.en",)),
        ("framework_changed", ("captions.vi",)),
        ("local_change", ("captions.vi",)),
        ("removed_in_framework", ("item",)),
    ]
    assert found["framework_changed"].entry is d1 and found["local_change"].entry is d2
    assert found["added_in_framework"].source is added and found["added_locally"].entry is local
    assert not found["local_change"].pullable and not found["added_locally"].pullable


def test_pull_entry_by_entry(db_session, curator, framework, published_item):
    derived = _derive(db_session, curator, framework)
    f1 = framework.entries[0]
    update_entry(db_session, curator, f1, {"captions": {"vi": "Chú thích mới"}})
    added = add_entry(db_session, curator, framework.sections[1], published_item().id, panel_number="9")
    update_entry(db_session, curator, derived.entries[0], {"panel_number": "9"})  # venue's own numbering
    new_section = add_section(db_session, curator, framework, {"vi": {"title": "Phần mới"}})
    in_new = add_entry(db_session, curator, new_section, published_item().id)
    remove_entry(db_session, curator, framework.entries[1])
    db_session.commit()
    for difference in differences(db_session, derived):
        pull(db_session, curator, derived, difference.key)
    db_session.commit()
    db_session.expire_all()
    derived = db_session.get(Exhibition, derived.id)
    assert differences(db_session, derived) == []
    assert derived.entries[0].captions["vi"]["text"] == "Chú thích mới"
    # The added entry sits where the framework has it, with a free panel number.
    assert [e.source_entry_id for e in derived.sections[1].entries][-1] == added.id
    assert derived.sections[1].entries[-1].panel_number == "10"
    assert derived.sections[2].texts["vi"]["title"] == "Phần mới"
    assert [e.item_id for e in derived.sections[2].entries] == [in_new.item_id]
    assert len(derived.entries) == len(framework.entries)


def test_pull_of_an_unknown_change_is_refused(db_session, curator, framework):
    derived = _derive(db_session, curator, framework)
    with pytest.raises(NotFound):
        pull(db_session, curator, derived, "s999999")


def test_an_entry_removed_here_is_not_offered_as_a_framework_addition(db_session, curator, framework):
    from exhibitions.composing import remove_section

    derived = _derive(db_session, curator, framework)
    dropped = derived.entries[0]
    remove_entry(db_session, curator, dropped)
    remove_section(db_session, curator, derived.sections[1])
    db_session.commit()
    found = differences(db_session, derived)
    assert {d.kind for d in found} == {"removed_here"} and len(found) == 3
    assert not any(d.from_framework for d in found)
    put_back = next(d for d in found if d.source.id == dropped.source_entry_id)
    pull(db_session, curator, derived, put_back.key)
    db_session.commit()
    assert dropped.source_entry_id in [e.source_entry_id for e in derived.entries]
    assert dropped.source_entry_id not in derived.declined_sources


def test_an_archived_framework_cannot_be_derived(db_session, curator, framework):
    from exhibitions.composing import archive, publish

    publish(db_session, curator, framework)
    archive(db_session, curator, framework)
    with pytest.raises(ValidationError):
        derive_exhibition(db_session, curator, framework, {"venue": "geneva"})
