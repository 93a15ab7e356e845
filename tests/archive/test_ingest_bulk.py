"""The bulk path of the CSV import: the same items, audit and outbox as create_item, batch by batch."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from archive import ingest
from archive.models import Item, MediaFile, Place
from archive.services import PreloadedLookups, create_item, snapshot, validate_new_item
from core.audit import AuditEvent, history
from core.errors import ValidationError
from core.i18n import _
from core.search import SearchTask, check, pending_count
from tests.archive import samples

# CSV rows as read_rows gives them; every field and list the import takes, in several shapes.
ROWS = [
    {"reference_code": "FULL", "type": "document", "date": "c. 1954", "place": "vn-cao-bang", "body": "ttxvn",
     "creator": "Nguyễn Văn A", "rights": "CC BY 4.0", "source_archive": "TTLT III", "fonds": "Phông Bộ Tư pháp",
     "terms": "CRC; ICCPR;CRC", "tags": "đề án;Đề án;1954", "files": "", "title_vi": "Quyết định",
     "description_vi": "Mô tả", "caption_vi": "Chú thích", "transcription_vi": "Văn bản", "title_EN-us": "Decision",
     "description_fr": "", "title_fr": "Décision"},
    {"reference_code": "MINIMAL", "type": "photo", "title_vi": "Ảnh"},
    {"reference_code": "RANGE", "type": "poster", "date": "1986/1990", "place": "HÀ NỘI", "title_en": "Poster"},
    {"reference_code": "NO-TEXT", "type": "other", "date": "", "place": "", "terms": "", "tags": ""},
]  # fmt: skip


def rows_with_prefix(prefix, rows=ROWS):
    return [(line, {**row, "reference_code": f"{prefix}{row['reference_code']}"}) for line, row in enumerate(rows, 2)]


def stored(db_session, code):
    """An item as stored, without what differs between two items made alike: id, code, clock."""
    item = db_session.scalar(select(Item).where(Item.reference_code == code))
    columns = {c.key: getattr(item, c.key) for c in Item.__table__.c}
    columns = {k: v for k, v in columns.items() if k not in ("id", "reference_code", "created_at", "updated_at")}
    texts = [(t.lang, t.title, t.description, t.caption, t.transcription, t.state) for t in item.texts]
    [event] = history(db_session, "item", item.id)
    raw_before = db_session.execute(text("SELECT before FROM audit_events WHERE id = :id"), {"id": event.id}).scalar()
    after = {k: v for k, v in event.after.items() if k != "reference_code"}
    tasks = db_session.scalar(select(func.count()).select_from(SearchTask).where(SearchTask.record_id == item.id))
    return {"columns": columns, "texts": texts, "terms": [t.code for t in item.terms],
            "tags": [t.label for t in item.tags], "event": (event.action, event.user_id, raw_before, after),
            "tasks": tasks}  # fmt: skip


def test_bulk_rows_are_stored_exactly_as_create_item_stores_them(app, db_session, make_user):
    app.config["SEARCH_APPLY"] = "worker"  # keep the outbox rows to count them
    user = make_user("archivist")
    places = ingest.PlaceCodes(db_session)
    for _line, row in rows_with_prefix("ONE-"):
        data = ingest.row_data(places, row)
        data.pop("files")
        create_item(db_session, user, data)
        db_session.commit()
    report = ingest.import_rows(None, user.id, rows_with_prefix("MANY-"), ingest.FileSource("."), False)
    db_session.commit()  # the import wrote in units of its own: read afresh
    assert report.problems == [] and report.imported == [f"MANY-{row['reference_code']}" for row in ROWS]
    db_session.commit()  # the import wrote in units of its own: read afresh
    for row in ROWS:
        one, many = (
            stored(db_session, f"ONE-{row['reference_code']}"),
            stored(db_session, f"MANY-{row['reference_code']}"),
        )
        assert many == one
        assert one["tasks"] == 1
    full = db_session.scalar(select(Item).where(Item.reference_code == "MANY-FULL"))
    assert full.place.code == "vn-cao-bang" and full.languages == ["en-US", "fr", "vi"]


def test_a_draft_snapshot_is_the_snapshot_of_the_created_item(db_session, make_user):
    user = make_user()
    places, lookups = ingest.PlaceCodes(db_session), PreloadedLookups(db_session)
    for _line, row in rows_with_prefix("SNAP-"):
        data = ingest.row_data(places, row)
        data.pop("files")
        draft = validate_new_item(data, lookups)
        assert draft.snapshot() == snapshot(create_item(db_session, user, data))


@pytest.mark.one_database
@pytest.mark.parametrize(
    "change",
    [
        {"reference_code": ""},
        {"reference_code": "x" * 81},
        {"reference_code": "TAKEN"},
        {"type": "painting"},
        {"date": "1945-13-01"},
        {"date": "soon"},
        {"place": "atlantis"},
        {"body": "nobody"},
        {"terms": ["ICCPR", "NOPE", "NEVER"]},
        {"tags": ["x" * 101]},
        {"creator": "bad\x00name", "fonds": "f" * 256},
        {"texts": {"xx-123": {"title": "?"}, "vi": {"title": ""}}},
        {"texts": {"vi": {"title": "a" * 501, "state": "final"}}},
        {"texts": {"en": {"title": "A"}, "EN": {"title": "B"}}},
        {"texts": {"fr": {"description": "sans titre"}}},
    ],
)
def test_bulk_validation_refuses_what_create_item_refuses_with_the_same_messages(db_session, make_item, make_user,
                                                                                change):  # fmt: skip
    make_item(reference_code="TAKEN")
    data = {"reference_code": "NEW", "type": "photo", "texts": {"vi": {"title": "Ảnh"}}} | change
    with pytest.raises(ValidationError) as by_service:
        create_item(db_session, make_user(), data)
    db_session.rollback()
    with pytest.raises(ValidationError) as in_bulk:
        validate_new_item(data, PreloadedLookups(db_session))
    assert in_bulk.value.errors == by_service.value.errors


def test_every_batch_is_indexed_and_audited(app, db_session, make_user, monkeypatch):
    app.config["SEARCH_APPLY"] = "inline"  # the import applies its tasks at its end
    monkeypatch.setattr(ingest, "BATCH_SIZE", 2)
    user = make_user("archivist")
    rows = [(n + 2, {"reference_code": f"B-{n}", "type": "photo", "title_vi": f"Ảnh số {n}"}) for n in range(5)]
    report = ingest.import_rows(None, user.id, rows, ingest.FileSource("."), False)
    db_session.commit()  # the import wrote in units of its own: read afresh
    assert report.imported == [f"B-{n}" for n in range(5)]
    assert pending_count() == 0 and check() == []
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.record_type == "item")).all()
    assert sorted(e.after["reference_code"] for e in events) == [f"B-{n}" for n in range(5)]
    assert {(e.action, e.user_id) for e in events} == {("create", user.id)}


def test_a_code_stored_meanwhile_fails_its_row_alone(db_session, make_item, make_user, monkeypatch):
    class ReadBeforeAnotherSave(PreloadedLookups):
        def __init__(self, session):
            super().__init__(session)
            make_item(reference_code="RACE-2")  # another archivist saves it after the import read the codes

    monkeypatch.setattr(ingest, "PreloadedLookups", ReadBeforeAnotherSave)
    user = make_user("archivist")
    rows = [(n + 1, {"reference_code": f"RACE-{n}", "type": "photo", "title_vi": "Ảnh"}) for n in range(1, 5)]
    report = ingest.import_rows(None, user.id, rows, ingest.FileSource("."), False)
    db_session.commit()  # the import wrote in units of its own: read afresh
    assert report.imported == ["RACE-1", "RACE-3", "RACE-4"]
    [problem] = report.problems
    assert (problem.line, problem.reference_code) == (3, "RACE-2")
    assert problem.message == _("The reference code %(code)s is already used by another item.", code="RACE-2")
    assert db_session.scalar(select(func.count(Item.id))) == 4
    assert db_session.scalar(select(func.count(AuditEvent.id))) == 4


def test_a_row_the_database_refuses_is_reported_and_the_others_land(db_session, make_user, monkeypatch):
    real_create_item = ingest.create_item

    def refuse_one(session, user, data):
        if data["reference_code"] == "DB-2":
            raise IntegrityError("INSERT", {}, Exception("CHECK constraint failed: too odd"))
        return real_create_item(session, user, data)

    monkeypatch.setattr(ingest, "create_items", lambda *args: refuse_one(None, None, {"reference_code": "DB-2"}))
    monkeypatch.setattr(ingest, "create_item", refuse_one)
    rows = [(n + 1, {"reference_code": f"DB-{n}", "type": "photo", "title_vi": "Ảnh"}) for n in range(1, 4)]
    report = ingest.import_rows(None, make_user().id, rows, ingest.FileSource("."), False)
    db_session.commit()  # the import wrote in units of its own: read afresh
    assert report.imported == ["DB-1", "DB-3"]
    [problem] = report.problems
    assert problem.line == 3 and "too odd" in problem.message


# One database in `make test` (both in `make test-all`): tests/test_faults.py kills an import on both there.
@pytest.mark.one_database
def test_a_crash_mid_import_keeps_whole_batches_and_a_rerun_completes_it(db_session, make_user, monkeypatch):
    monkeypatch.setattr(ingest, "BATCH_SIZE", 2)
    real_create_items, calls = ingest.create_items, []

    def power_cut_on_second_batch(session, user, drafts):
        calls.append(len(drafts))
        ids = real_create_items(session, user, drafts)
        if len(calls) == 2:
            raise SystemExit("power cut")  # after the inserts, before the commit
        return ids

    monkeypatch.setattr(ingest, "create_items", power_cut_on_second_batch)
    user = make_user("archivist")
    rows = [(n + 2, {"reference_code": f"C-{n}", "type": "photo", "title_vi": "Ảnh"}) for n in range(5)]
    with pytest.raises(SystemExit):
        ingest.import_rows(None, user.id, rows, ingest.FileSource("."), False)
    db_session.rollback()
    assert db_session.scalars(select(Item.reference_code).order_by(Item.id)).all() == ["C-0", "C-1"]

    monkeypatch.setattr(ingest, "create_items", real_create_items)
    report = ingest.import_rows(None, user.id, rows, ingest.FileSource("."), False)
    db_session.commit()  # the import wrote in units of its own: read afresh
    assert report.skipped == ["C-0", "C-1"] and report.imported == ["C-2", "C-3", "C-4"]
    assert db_session.scalar(select(func.count(Item.id))) == 5
    assert db_session.scalar(select(func.count(AuditEvent.id))) == 5


def test_rows_with_files_interleave_in_the_csv_order(app, db_session, make_user, tmp_path):
    (tmp_path / "poster.png").write_bytes(samples.png_bytes())
    rows = [(2, {"reference_code": "MIX-1", "type": "photo", "title_vi": "Một"}),
            (3, {"reference_code": "MIX-2", "type": "poster", "files": "poster.png", "title_vi": "Hai"}),
            (4, {"reference_code": "MIX-3", "type": "photo", "title_vi": "Ba"})]  # fmt: skip
    from core.storage import get_storage

    report = ingest.import_rows(get_storage(), make_user().id, rows, ingest.FileSource(tmp_path), False)
    db_session.commit()  # the import wrote in units of its own: read afresh
    assert report.imported == ["MIX-1", "MIX-2", "MIX-3"] and len(report.media) == 1
    assert db_session.scalars(select(Item.reference_code).order_by(Item.id)).all() == ["MIX-1", "MIX-2", "MIX-3"]
    assert db_session.scalar(select(func.count(MediaFile.id))) == 1


@pytest.mark.one_database
def test_places_are_found_by_code_or_vietnamese_name_in_any_case(db_session):
    hanoi = db_session.scalar(select(Place).where(Place.code == "vn-ha-noi"))
    places = ingest.PlaceCodes(db_session)
    assert places.code("vn-ha-noi") == "vn-ha-noi"
    assert places.code(hanoi.names["vi"].upper()) == "vn-ha-noi"
    assert places.code("Atlantis") == "Atlantis"
