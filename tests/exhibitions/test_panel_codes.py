"""Panel codes as visitors type them, renumbering, and codes printed for good (labels, books, archiving)."""

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.errors import ValidationError
from exhibitions import qr
from exhibitions.composing import (
    add_entry,
    archive,
    derive_exhibition,
    differences,
    move_entry,
    publish,
    pull,
    remove_entry,
    renumber_panels,
    update_entry,
    update_exhibition,
)
from exhibitions.models import PrintedIn, PrintedPanelCode, QrLink, QrTarget
from exhibitions.qr import find_link, panel_key, typed_code


@pytest.fixture(autouse=True)
def english(client):
    """Messages in English, in the services as in the pages (assertions read English)."""
    client.set_cookie("vitrine_lang", "en")
    with force_locale("en"):
        yield


def _link(db_session, entry) -> QrLink:
    return db_session.scalar(select(QrLink).where(QrLink.target == QrTarget.ENTRY, QrLink.target_id == entry.id,
                                                  QrLink.lang.is_(None)))  # fmt: skip


def _numbered(db_session, curator, exhibition, numbers):
    """Give the exhibition's entries these panel numbers, in order (through a free number, to swap safely)."""
    for entry in exhibition.entries:
        update_entry(db_session, curator, entry, {"panel_number": f"9{entry.id}00"})
    for entry, number in zip(exhibition.entries, numbers, strict=True):
        update_entry(db_session, curator, entry, {"panel_number": number})
    db_session.commit()
    return exhibition.entries


# --- Reading a typed code ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "key"),
    [("017", "17"), ("17", "17"), ("0", "0"), ("000", "0"), ("12-a", "12A"), ("12 A", "12A"), ("012A", "12A"),
     ("3.1", "3.1"), ("Ａ１", "A1"), ("", None), (None, None)],
)  # fmt: skip
def test_panel_keys_ignore_case_separators_and_leading_zeros(value, key):
    assert panel_key(value) == key


def test_a_typed_code_remembers_where_the_visitor_put_separators():
    assert typed_code("cb25 17") == qr.TypedCode("CB2517", frozenset({4}))
    assert typed_code(" CB25–017 ") == qr.TypedCode("CB25017", frozenset({4}))  # an en dash from a phone keyboard
    assert typed_code("CB25017").cuts == frozenset()
    assert typed_code("CB 25 - 017").cuts == frozenset({2, 4})
    for bad in ("", "C", "CB", "CB25/017", "CB25#1", "x" * 40, "%00"):
        assert typed_code(bad) is None, bad


def test_every_way_of_typing_a_panel_code_reaches_the_same_panel(client, db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2, code="CB25")
    publish(db_session, curator, exhibition)
    first, second = _numbered(db_session, curator, exhibition, ["17", "12A"])
    for typed in ("CB25017", "cb25 17", "CB25-017", "cb25-17", "CB25 - 0017", "Cb25–017", " cb 25 017 "):
        assert find_link(db_session, typed) == _link(db_session, first), typed
    for typed in ("CB25-12A", "cb25 12a", "CB2512A", "CB25-012A", "cb25-12-a"):
        assert find_link(db_session, typed) == _link(db_session, second), typed
    # Only codes that exist: no reading of a typed code lands on a panel that has another number.
    for typed in ("CB25-7", "CB25-170", "CB25-12", "CB25-12B", "CB25", "CB2", "CB26-017"):
        assert find_link(db_session, typed) is None, typed
    # A typed code is the same on every label: it carries no language, the visitor's own decides.
    page = f"/exhibitions/{exhibition.id}/entries/{first.id}"
    assert client.get("/q/cb25%2017").headers["Location"] == page
    assert client.get("/q/CB25017").headers["Location"] == page
    assert client.get("/q?code=cb25+17").headers["Location"] == page


def test_when_one_exhibition_code_begins_another_the_typed_separator_then_the_longest_wins(
    db_session, curator, make_exhibition
):
    short = make_exhibition(sections=1, entries=3, code="CB25")
    long = make_exhibition(sections=1, entries=2, code="CB251")
    s17, s107, s12a = _numbered(db_session, curator, short, ["17", "107", "12A"])
    l7, l2a = _numbered(db_session, curator, long, ["7", "2A"])
    expected = {
        "CB251-007": l7, "CB251 7": l7, "cb2517": l7,
        "CB25107": l7,  # CB25 + 107 or CB251 + 07: the longer exhibition code wins
        "CB25-107": s107, "cb25 107": s107,  # set apart by the visitor: CB25's panel 107
        "CB25017": s17, "CB25-17": s17,
        "CB2512A": l2a,  # CB251's 2A before CB25's 12A
        "CB25-12A": s12a,
    }  # fmt: skip
    for typed, entry in expected.items():
        assert find_link(db_session, typed) == _link(db_session, entry), typed
    # Each reading is tried against existing panels only, the other exhibition's included.
    assert find_link(db_session, "CB251-107") is None  # neither CB251's 107 nor CB25's 1107 exists
    assert find_link(db_session, "CB251-17") is None  # CB251 has no 17, CB25 no 117


# --- Panel numbers -------------------------------------------------------------------------------------


def test_panel_numbers_that_would_type_the_same_are_refused(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2)
    first, second = _numbered(db_session, curator, exhibition, ["12-A", "3"])
    for entry, taken in ((second, "12A"), (second, "12a"), (second, "012-A"), (first, "03")):
        with pytest.raises(ValidationError, match="already used"):
            update_entry(db_session, curator, entry, {"panel_number": taken})
        db_session.rollback()


def test_renumbering_gives_consecutive_numbers_in_reading_order(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    _numbered(db_session, curator, exhibition, ["4", "1", "12A", "9"])
    move_entry(db_session, curator, exhibition.entries[0], +1)
    db_session.commit()
    order = [e.id for e in exhibition.entries]
    assert renumber_panels(db_session, curator, exhibition) == 3  # the first stays 1
    db_session.commit()
    assert [(e.id, e.panel_number) for e in exhibition.entries] == list(zip(order, ["1", "2", "3", "4"], strict=True))
    assert renumber_panels(db_session, curator, exhibition) == 0  # in order already: nothing changes


def test_renumbering_skips_printed_numbers_which_stay_aliases_of_their_panels(
    client, db_session, curator, make_exhibition
):
    exhibition = make_exhibition(sections=1, entries=4, code="CB25")
    publish(db_session, curator, exhibition)
    a, b, c, d = exhibition.entries  # panels 1 2 3 4
    qr.mark_printed(db_session, exhibition, [(b.id, "2"), (c.id, "3")], PrintedIn.LABELS)
    remove_entry(db_session, curator, a)
    move_entry(db_session, curator, d, -1)  # b, d, c
    db_session.commit()
    assert renumber_panels(db_session, curator, exhibition) == 2  # d keeps 4
    db_session.commit()
    # b takes 1; 2 and 3 are printed, 2 for b itself and 3 for c: d skips both; c gets 5 after d's 4.
    assert [(e.id, e.panel_number) for e in exhibition.entries] == [(b.id, "1"), (d.id, "4"), (c.id, "5")]
    assert qr.printed_aliases(exhibition) == {b.id: ["CB25-002"], c.id: ["CB25-003"]}
    for typed, entry in (("CB25-001", b), ("CB25-002", b), ("CB25-003", c), ("CB25-005", c), ("CB25-004", d)):
        assert find_link(db_session, typed) == _link(db_session, entry), typed
    page = client.get("/q/CB25-003").headers["Location"]
    assert page == f"/exhibitions/{exhibition.id}/entries/{c.id}"


def test_a_printed_code_is_never_given_to_another_panel(db_session, curator, make_exhibition, published_item):
    exhibition = make_exhibition(sections=1, entries=2, code="CB25")
    first, second = exhibition.entries
    qr.mark_printed(db_session, exhibition, [(first.id, "1"), (second.id, "2")], PrintedIn.LABELS)
    update_entry(db_session, curator, second, {"panel_number": "7"})
    db_session.commit()
    with pytest.raises(ValidationError, match="printed for another panel"):
        update_entry(db_session, curator, first, {"panel_number": "002"})
    db_session.rollback()
    update_entry(db_session, curator, second, {"panel_number": "2"})  # its own printed number: allowed back
    update_entry(db_session, curator, second, {"panel_number": "8"})
    db_session.commit()
    entry = add_entry(db_session, curator, exhibition.sections[0], published_item().id)
    assert entry.panel_number == "9"  # past every number in use or printed
    remove_entry(db_session, curator, first)
    db_session.commit()
    # A removed panel's printed code is still its own: the visitor learns it is gone.
    with pytest.raises(ValidationError, match="printed for another panel"):
        update_entry(db_session, curator, entry, {"panel_number": "1"})
    db_session.rollback()
    assert find_link(db_session, "CB25-001").target_id == first.id


def test_a_printed_exhibition_keeps_its_code(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=1, code="CB25")
    update_exhibition(db_session, curator, exhibition, {"code": "CB24"})
    db_session.commit()
    entry = exhibition.entries[0]
    qr.mark_printed(db_session, exhibition, [(entry.id, entry.panel_number)], PrintedIn.BOOK)
    db_session.commit()
    with pytest.raises(ValidationError, match="have been printed"):
        update_exhibition(db_session, curator, exhibition, {"code": "CB23"})
    db_session.rollback()
    update_exhibition(db_session, curator, exhibition, {"code": "CB24", "opens_on": "2026-09-02"})  # same code: fine


def test_marking_printed_keeps_the_first_record_and_counts_only_new_codes(db_session, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2)
    first, second = exhibition.entries
    assert qr.mark_printed(db_session, exhibition, [(first.id, "1")], PrintedIn.LABELS) == 1
    assert qr.mark_printed(db_session, exhibition, [(first.id, "1"), (second.id, "2"), (9, None)],
                           PrintedIn.BOOK) == 1  # fmt: skip
    db_session.commit()
    rows = {(r.panel_key, r.code, r.entry_id, r.printed_in) for r in exhibition.printed_codes}
    assert rows == {("1", f"{exhibition.code}-001", first.id, PrintedIn.LABELS),
                    ("2", f"{exhibition.code}-002", second.id, PrintedIn.BOOK)}  # fmt: skip
    assert qr.unprinted(exhibition, [(first.id, "01"), (second.id, "3")]) == [(second.id, "3")]


def test_archiving_prints_every_code_for_good(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=2, entries=2)
    publish(db_session, curator, exhibition)
    archive(db_session, curator, exhibition)
    db_session.commit()
    assert qr.printed_keys(exhibition) == {e.panel_number: e.id for e in exhibition.entries}
    assert {r.printed_in for r in exhibition.printed_codes} == {PrintedIn.ARCHIVE}


def test_a_framework_entry_taken_later_skips_numbers_printed_here(db_session, curator, make_exhibition):
    framework = make_exhibition(sections=1, entries=2, venue="vn-ha-noi", code="QG26", is_framework=True)
    derived = derive_exhibition(db_session, curator, framework, {"venue": "vn-cao-bang", "code": "CB26"})
    db_session.commit()
    second = derived.entries[1]
    qr.mark_printed(db_session, derived, [(second.id, "2")], PrintedIn.LABELS)
    remove_entry(db_session, curator, second)
    db_session.commit()
    [difference] = differences(db_session, derived)
    pull(db_session, curator, derived, difference.key)  # the framework's panel 2 comes back, as a new entry
    db_session.commit()
    back = next(e for e in derived.entries if e.id != derived.entries[0].id)
    assert back.panel_number == "3" and find_link(db_session, "CB26-002").target_id == second.id


# --- Where codes get printed ---------------------------------------------------------------------------


def _printed(db_session, exhibition) -> dict:
    db_session.rollback()  # the requests wrote in units of their own
    rows = db_session.scalars(select(PrintedPanelCode).where(PrintedPanelCode.exhibition_id == exhibition.id))
    return {row.panel_key: str(row.printed_in) for row in rows}


def test_labels_print_view_and_pdf_mark_their_codes_printed_in_a_unit_of_their_own(
    db_session, login_as, make_exhibition, monkeypatch
):
    from exhibitions.web import printing

    exhibition = make_exhibition(sections=1, entries=3)
    client, _user = login_as("curator")
    units = []
    real_unit = printing.unit
    monkeypatch.setattr(printing, "unit", lambda name: units.append(name) or real_unit(name))
    second = exhibition.entries[1]
    assert client.get(f"/staff/exhibitions/{exhibition.id}/labels.pdf?entry={second.id}").status_code == 200
    assert _printed(db_session, exhibition) == {"2": "labels"}
    assert client.get(f"/staff/exhibitions/{exhibition.id}/labels?format=sheet").status_code == 200
    assert _printed(db_session, exhibition) == {"1": "labels", "2": "labels", "3": "labels"}
    assert units == ["printed panel codes"] * 2
    client.get(f"/staff/exhibitions/{exhibition.id}/labels?format=a4")
    assert len(units) == 2  # printed already: this GET reads only


@pytest.mark.one_database
@pytest.mark.parametrize(("path", "printed_in"), [("book-vi.epub", "book"), ("catalogue-en.pdf", "catalogue"),
                                                  ("offline-vi.zip", "offline")])  # fmt: skip
def test_books_catalogues_and_offline_packages_mark_their_codes_printed(
    client, db_session, curator, make_exhibition, path, printed_in
):
    exhibition = make_exhibition(sections=1, entries=2)
    publish(db_session, curator, exhibition)
    db_session.commit()
    with client.get(f"/exhibitions/{exhibition.id}/{path}") as response:
        assert response.status_code == 200
    assert _printed(db_session, exhibition) == {"1": printed_in, "2": printed_in}


def test_renumber_from_the_composer(db_session, login_as, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=3, code="CB25")
    client, _user = login_as("curator")
    client.get("/exhibitions?lang=en")
    entries = exhibition.entries
    qr.mark_printed(db_session, exhibition, [(entries[0].id, "1")], PrintedIn.LABELS)
    update_entry(db_session, exhibition.created_by, entries[2], {"panel_number": "10"})
    move_entry(db_session, exhibition.created_by, entries[0], +1)
    db_session.commit()
    page = client.get(f"/staff/exhibitions/{exhibition.id}").get_data(as_text=True)
    assert f'action="/staff/exhibitions/{exhibition.id}/renumber"' in page and "Renumber the panels" in page
    assert "1 panel code has been printed" in page
    response = client.post(f"/staff/exhibitions/{exhibition.id}/renumber")
    assert response.status_code == 302
    db_session.rollback()
    assert [e.panel_number for e in exhibition.entries] == ["2", "3", "4"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The panels are numbered in their order" in page and "also printed as CB25-001" in page
    history = client.get(f"/staff/exhibitions/{exhibition.id}/history").get_data(as_text=True)
    assert "Panels renumbered" in history and "Panel numbers in order" in history
