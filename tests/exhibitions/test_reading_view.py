"""The reading view: one typed, immutable view per language that every output renders, its codes, its
snapshot (schema 2, and schema 1 as stored before), and each output reading it alone, once per request."""

import dataclasses
import io
import json
import zipfile
from datetime import date

import pytest
from flask import render_template
from flask_babel import force_locale
from sqlalchemy import event, select

import exhibitions.reading.builder as builder
from archive.services import set_text
from archive.workflow import apply_transition
from core.db import db
from exhibitions import reading
from exhibitions.api.schemas import ReaderViewSchema
from exhibitions.composing import archive, publish, readiness
from exhibitions.models import QrLink, QrTarget
from exhibitions.publications import book_content, catalogue_pdf, labels_for, labels_of, write_book, write_package
from exhibitions.web.public import isodate

BASE = "http://vitrine.test"


@pytest.fixture
def shown(db_session, curator, make_exhibition):
    """Cao Bằng in Vietnamese and English, published: one section of two entries, every code made."""
    exhibition = make_exhibition(sections=1, entries=2)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def _link(session, exhibition, target: QrTarget, target_id: int | None, lang: str | None) -> str:
    """The code of one of the exhibition's links, read from the table."""
    same_id = QrLink.target_id.is_(None) if target_id is None else QrLink.target_id == target_id
    same_lang = QrLink.lang.is_(None) if lang is None else QrLink.lang == lang
    return session.scalar(select(QrLink.code).where(QrLink.exhibition_id == exhibition.id, QrLink.target == target,
                                                    same_id, same_lang))  # fmt: skip


def test_the_view_is_typed_and_immutable(shown):
    view = reading.build_view(shown, "en")
    assert isinstance(view, reading.ExhibitionView)
    assert isinstance(view.sections, tuple) and isinstance(view.sections[0].entries, tuple)
    assert isinstance(view.chain, tuple) and isinstance(view.languages, tuple)
    assert view.title == reading.Text("Human rights in Cao Bang", "en", False, "draft")
    assert view.introduction == reading.Text("Ảnh và tài liệu lưu trữ.", "vi", True, "draft")  # no English one
    assert view.opens_on == date(2026, 9, 1) and view.venue.code == "vn-cao-bang"
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.title = reading.Text("x", "en", False, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.sections[0].entries[0].caption = view.title


def test_an_entry_carries_the_primary_code_and_the_code_printed_in_its_language(db_session, shown):
    first = shown.entries[0]
    english, vietnamese = reading.build_view(shown, "en"), reading.build_view(shown, "vi")
    entry = english.find_entry(first.id)[0]
    primary_code = _link(db_session, shown, QrTarget.ENTRY, first.id, None)
    english_code = _link(db_session, shown, QrTarget.ENTRY, first.id, "en")
    assert primary_code != english_code
    # Panels, labels, public pages and the API: the primary language's; books: the one printed in English.
    assert entry.qr == reading.QrCode(primary_code, f"{BASE}/q/{primary_code}") and entry.qr_code == primary_code
    assert entry.printed_qr == reading.QrCode(english_code, f"{BASE}/q/{english_code}")
    assert vietnamese.find_entry(first.id)[0].printed_qr.code == primary_code
    assert english.book_qr.code == _link(db_session, shown, QrTarget.EBOOK, None, "en")
    assert english.printed_qr.code == _link(db_session, shown, QrTarget.EXHIBITION, None, "en")
    assert english.qr.code == vietnamese.qr.code == _link(db_session, shown, QrTarget.EXHIBITION, None, None)
    assert entry.panel_code == "CB26-001" and entry.item_status == "published"


@pytest.mark.one_database
def test_a_snapshot_has_a_schema_and_reads_back_into_the_same_view(db_session, curator, shown):
    before = {lang: reading.build_view(shown, lang) for lang in shown.all_languages}
    archive(db_session, curator, shown)
    db_session.commit()
    db_session.expire_all()  # read the snapshot as stored (JSON), not the dict kept in memory
    assert shown.frozen["schema"] == reading.SNAPSHOT_SCHEMA == 3 and set(shown.frozen["views"]) == {"vi", "en"}
    for lang, live in before.items():
        assert reading.view_for(shown, lang) == dataclasses.replace(live, status="archived")
    # Written out and read back, a view is equal to itself: nothing is lost on the way.
    view = reading.view_for(shown, "en")
    assert reading.view_from_record(json.loads(json.dumps(reading.view_record(view)))) == view
    set_text(
        db_session, curator, shown.entries[0].item, "vi", {"title": "Sửa sau khi đóng"}, shown.entries[0].item.version
    )
    db_session.commit()
    assert reading.view_for(shown, "vi") == dataclasses.replace(before["vi"], status="archived")


# A snapshot as `freeze` stored it before snapshots had a schema: no "schema", no codes printed per language,
# no item status. `{entry}`, `{section}`, `{exhibition}` and the codes stand for the ids of the test's rows.
V1_VIEW = {
    "id": "{exhibition}", "code": "CB26", "lang": "{lang}", "chain": ["{lang}", "vi"], "status": "archived",
    "mode": "both", "is_framework": False, "opens_on": "2026-09-01", "closes_on": "2026-12-31",
    "primary_language": "vi", "languages": ["vi", "en"],
    "venue": {"code": "vn-cao-bang", "name": "Cao Bằng", "kind": "province"},
    "title": {"text": "Quyền con người ở Cao Bằng (đã lưu)", "lang": "vi", "fallback": "{fallback}",
              "state": "reviewed"},
    "introduction": {"text": None, "lang": "{lang}", "fallback": False, "state": None},
    "qr_code": "{exhibition_code}",
    "sections": [{
        "id": "{section}", "title": {"text": "Phần 1", "lang": "vi", "fallback": "{fallback}", "state": "draft"},
        "body": {"text": None, "lang": "{lang}", "fallback": False, "state": None}, "qr_code": "{section_code}",
        "entries": [{
            "id": "{entry}", "item_id": "{item}", "item_published": True, "panel_number": "1", "panel_code": "CB26-001",
            "reference_code": "TEST-0001", "type": "photo", "date": "1945-09-02", "place": "Hà Nội",
            "credit": "Thông tấn xã Việt Nam", "rights": "CC BY 4.0",
            "title": {"text": "Ảnh đã lưu khi đóng", "lang": "vi", "fallback": "{fallback}", "state": "reviewed"},
            "caption": {"text": "Chú thích đã lưu", "lang": "vi", "fallback": "{fallback}", "state": "reviewed"},
            "description": {"text": None, "lang": "{lang}", "fallback": False, "state": None},
            "image": {"media_id": 3, "sha256": "ab" * 32, "width": 1200, "height": 800},
            "qr_code": "{entry_code}",
        }],
    }],
}  # fmt: skip


def _filled(value, names: dict):
    """The template above with the test's ids, codes and the view's language in place of its `{names}`."""
    if isinstance(value, dict):
        return {key: _filled(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, names) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


@pytest.mark.one_database
def test_a_version_1_snapshot_as_stored_reads_into_the_typed_view(db_session, curator, client, shown):
    first = shown.entries[0]
    archive(db_session, curator, shown)
    names = {"exhibition": shown.id, "section": first.section.id, "entry": first.id, "item": first.item_id,
             "exhibition_code": _link(db_session, shown, QrTarget.EXHIBITION, None, None),
             "section_code": _link(db_session, shown, QrTarget.SECTION, first.section.id, None),
             "entry_code": _link(db_session, shown, QrTarget.ENTRY, first.id, None)}  # fmt: skip
    views = {lang: _filled(V1_VIEW, names | {"lang": lang, "fallback": lang != "vi"}) for lang in ("vi", "en")}
    shown.frozen = {"frozen_at": "2026-12-31T17:00:00+00:00", "views": views}
    db_session.commit()

    view = reading.view_for(shown, "en")
    assert isinstance(view, reading.ExhibitionView) and view.status == "archived" and view.chain == ("en", "vi")
    assert view.title == reading.Text("Quyền con người ở Cao Bằng (đã lưu)", "vi", True, "reviewed")
    assert (view.opens_on, view.venue) == (date(2026, 9, 1), reading.Venue("vn-cao-bang", "Cao Bằng", "province"))
    [section] = view.sections
    [entry] = section.entries
    assert entry.caption == reading.Text("Chú thích đã lưu", "vi", True, "reviewed") and entry.item_status is None
    assert entry.image == reading.ImageRef(3, "ab" * 32, 1200, 800)
    assert entry.rights == reading.Rights(None, "CC BY 4.0", "vi")  # the free text shown then, as it was
    assert entry.qr == reading.QrCode(names["entry_code"], f"{BASE}/q/{names['entry_code']}")
    # What a schema-1 snapshot did not keep comes from the links, as the outputs took it then.
    english_code = _link(db_session, shown, QrTarget.ENTRY, first.id, "en")
    assert entry.printed_qr == reading.QrCode(english_code, f"{BASE}/q/{english_code}")
    assert view.book_qr.code == _link(db_session, shown, QrTarget.EBOOK, None, "en")
    assert view.printed_qr.code == _link(db_session, shown, QrTarget.EXHIBITION, None, "en")
    assert reading.view_for(shown, "vi").find_entry(first.id)[0].printed_qr.code == names["entry_code"]

    page = client.get(f"/exhibitions/{shown.id}/entries/{first.id}?lang=en").get_data(as_text=True)
    assert "Chú thích đã lưu" in page and "Not yet translated" in page and "status-notice-archived" in page
    body = client.get(f"/api/v1/exhibitions/{shown.id}/view?lang=en").json
    assert body["sections"][0]["entries"][0]["qr_code"] == names["entry_code"]
    assert body["sections"][0]["entries"][0]["image"]["web_url"].endswith(f"/images/{'ab' * 32}-web.jpg")
    out = io.BytesIO()
    write_book(book_content(view), out)
    assert f"{BASE}/q/{english_code}".encode() in _zip_member(out, f"EPUB/entry-{first.id}.xhtml")


def _zip_member(data, name: str) -> bytes:
    with zipfile.ZipFile(data) as package:
        return package.read(name)


def test_a_snapshot_of_an_unknown_schema_is_refused():
    with pytest.raises(ValueError, match="schema 99"):
        reading.read_view({"schema": 99, "views": {}}, "vi", "vi", lambda lang: {})


@pytest.fixture
def no_sql(app):
    """Fail any statement sent to the database while it is active."""

    def refuse(conn, cursor, statement, *args):
        raise AssertionError(f"an output went back to the database: {statement[:80]}")

    yield lambda: event.listen(db.engine, "before_cursor_execute", refuse)
    if event.contains(db.engine, "before_cursor_execute", refuse):
        event.remove(db.engine, "before_cursor_execute", refuse)


@pytest.mark.one_database
def test_every_output_renders_the_view_alone_without_the_database(app, db_session, shown, no_sql, tmp_path):
    views = [reading.build_view(shown, lang) for lang in shown.all_languages]
    expected_labels = labels_for(shown)
    expected_api = ReaderViewSchema().dump(views[1])
    # Read back from its record, the view holds nothing of the models: what renders it needs nothing else.
    views = [reading.view_from_record(reading.view_record(view)) for view in views]
    entry = views[1].sections[0].entries[0]
    no_sql()
    with app.test_request_context("/exhibitions"):
        assert ReaderViewSchema().dump(views[1]) == expected_api
        assert labels_of(views) == expected_labels
        assert catalogue_pdf(views[1]).startswith(b"%PDF")
        write_book(book_content(views[1]), tmp_path / "book.epub")
        assert b"Human rights in Cao Bang" in _zip_member(tmp_path / "book.epub", "EPUB/intro.xhtml")
        package = io.BytesIO()
        write_package(package, views[1], tmp_path / "book.epub")
        assert entry.reference_code.encode() in _zip_member(package, f"CB26-en/entry-{entry.id}.html")
        page = render_template("exhibitions/public_entry.html", view=views[1], entry=entry,
                               section=views[1].sections[0], before=None, after=None, lang="en",
                               page_url=f"{BASE}/exhibitions/{shown.id}", og_image=None, shares=[])  # fmt: skip
    assert entry.reference_code in page and entry.panel_code in page


@pytest.mark.one_database
@pytest.mark.parametrize("publication", ["book-en.epub", "catalogue-en.pdf", "offline-en.zip"])
def test_a_download_reads_the_exhibition_once(client, shown, monkeypatch, publication):
    builds = []
    real = builder.build_view
    monkeypatch.setattr(builder, "build_view", lambda *args, **kw: builds.append(args[1]) or real(*args, **kw))
    for _attempt in ("built", "cached"):
        builds.clear()
        response = client.get(f"/exhibitions/{shown.id}/{publication}")
        response.close()
        assert response.status_code == 200 and builds == ["en"]


def test_readiness_names_the_status_of_an_item_not_published(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2)
    withdrawn = exhibition.entries[1]
    apply_transition(db_session, curator, withdrawn.item, "withdraw", comment="Rights unclear")
    db_session.commit()
    with force_locale("en"):
        found = readiness(exhibition)
    assert [message for where, message in found.errors if "TEST" in where] == [
        "the item is withdrawn; only published items may be shown."
    ]


def test_view_dates_read_in_the_readers_locale(app):
    with force_locale("en"):
        assert isodate(date(2026, 9, 1)) == isodate("2026-09-01") == "Sep 1, 2026" and isodate(None) == ""
