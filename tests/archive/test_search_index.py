"""The index never drifts: the outbox, a lost process, the CLI, two writer processes at once."""

import traceback

import pytest

from archive.models import Item
from archive.searching import search_items
from archive.services import update_item
from core.auth import User
from core.db import db
from core.search import SearchTask, apply_pending, check, outbox, pending_count, reindex, search_index

WRITERS = 2
ITEMS_EACH = 6


@pytest.fixture(autouse=True)
def inline(app):
    """Index tasks applied after each commit, as a web process does (the tests' default waits for a search)."""
    app.config["SEARCH_APPLY"] = "inline"


def codes(db_session, q):
    return [i.reference_code for i in search_items(db_session, {"q": q}, "vi", public=False).items]


def test_a_process_killed_after_commit_loses_nothing(app, db_session, make_item, runner):
    app.config["SEARCH_APPLY"] = "worker"  # as if the process died right after the commit
    item = make_item(reference_code="LOST-1", texts={"vi": {"title": "Đoàn kết dân tộc"}})
    assert codes(db_session, "doan ket") == []
    assert db_session.query(SearchTask).filter_by(record_id=item.id).count() == 1
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and f"item {item.id}: missing" in result.output
    result = runner.invoke(args=["search", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert codes(db_session, "doan ket") == ["LOST-1"]
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert pending_count() == 0


def test_reindex_rebuilds_into_a_fresh_folder_and_swaps(app, db_session, make_item, runner):
    make_item(reference_code="RE-1", texts={"vi": {"title": "Bình đẳng giới"}})
    make_item(reference_code="RE-2", texts={"vi": {"title": "Quyền trẻ em"}})
    index = search_index()
    before = index.path.resolve()
    with index.try_writer() as writer:  # damage the index: drop one entry, keep a ghost
        writer.delete(str(db_session.query(Item).filter_by(reference_code="RE-1").one().id))
        writer.upsert({"id": "999999", "texts": {"vi": "ma"}, "facets": {}})
    problems = dict(check())
    assert problems["999999"] == "deleted" and "missing" in problems.values()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 2 items" in result.output
    assert index.path.is_symlink() and index.path.resolve() != before and not before.exists()
    assert check() == []
    assert codes(db_session, "binh dang gioi") == ["RE-1"]


def write_items(config: dict, user_id: int, prefix: str, start, results) -> None:
    """In a process of its own: create items and edit each, committing every change."""
    from app import create_app
    from archive.services import create_item

    try:
        app = create_app(config)
        with app.app_context():
            start.wait(timeout=60)
            user = db.session.get(User, user_id)
            for n in range(ITEMS_EACH):
                item = create_item(db.session, user, {"reference_code": f"{prefix}-{n}", "type": "photo",
                                                      "texts": {"vi": {"title": f"Ảnh {prefix} số {n}"}}})  # fmt: skip
                db.session.commit()
                update_item(db.session, user, item, {"creator": f"Tác giả {prefix}{n} cuối"}, item.version)
                db.session.commit()
            db.session.remove()
            db.engine.dispose()
        results.put(("ok", None))
    except Exception:
        results.put(("error", traceback.format_exc()))


# One database in `make test` (both in `make test-all`): the index, not the database, is what two writers share.
@pytest.mark.one_database
def test_two_writer_processes_lose_no_update(app, app_config, db_session, make_user, process_context):
    user_id = make_user("archivist").id
    db_session.remove()
    db.engine.dispose()
    context = process_context
    start, results = context.Barrier(WRITERS), context.Queue()
    # Each process indexes right after its commits, as the embedded default does.
    config = {**app_config, "SEARCH_APPLY": "inline", "SQLITE_BEGIN_OUTSIDE_REQUESTS": "IMMEDIATE"}
    processes = [
        context.Process(target=write_items, args=(config, user_id, f"P{n}", start, results)) for n in range(WRITERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    # Whatever a writer left because the other held the lock, the holder applied after.
    assert pending_count() == 0
    assert check() == []
    assert search_index().count() == WRITERS * ITEMS_EACH
    assert len(codes(db_session, "cuoi")) == WRITERS * ITEMS_EACH
    assert apply_pending() == 0


def test_renamed_terms_places_and_bodies_reach_the_index(db_session, make_item):
    from archive.models import Body, Place, Term

    with_term = make_item(reference_code="REN-TERM", terms=["ICCPR"], place=None)
    with_place = make_item(reference_code="REN-PLACE", terms=[], place="vn-ha-noi")
    body = db_session.query(Body).first()
    with_body = make_item(reference_code="REN-BODY", terms=[], place=None, body=body.code)
    db_session.query(Term).filter_by(code="ICCPR").one().labels = {"vi": "Côngướcthửnghiệm"}
    db_session.query(Place).filter_by(code="vn-ha-noi").one().names = {"vi": "Thànhphốthửnghiệm"}
    body.names = {"vi": "Cơquanthửnghiệm"}
    db_session.commit()
    assert codes(db_session, "conguocthunghiem") == [with_term.reference_code]
    assert codes(db_session, "thanhphothunghiem") == [with_place.reference_code]
    assert codes(db_session, "coquanthunghiem") == [with_body.reference_code]
    assert check() == []


def test_reindex_forgets_the_tasks_it_covers_and_keeps_later_ones(app, db_session, make_item, monkeypatch):
    app.config["SEARCH_APPLY"] = "worker"  # a bulk import left its tasks queued
    for n in range(5):
        make_item(reference_code=f"BULK-{n}", texts={"vi": {"title": f"Ảnh nhập hàng loạt {n}"}})
    assert pending_count() == 5
    applied, apply_batch = [], outbox._apply_batch

    def counted(writer, source, batch):
        task_ids = apply_batch(writer, source, batch)
        applied.extend(task_ids)
        return task_ids

    monkeypatch.setattr(outbox, "_apply_batch", counted)
    index = search_index()
    rebuild = index.rebuild

    def rebuild_while_someone_saves(documents, **options):
        documents = list(documents)  # the rebuild has read the items: now a save commits
        make_item(reference_code="LATE-1", texts={"vi": {"title": "Ảnh lưu muộn"}})
        return rebuild(iter(documents), **options)

    monkeypatch.setattr(index, "rebuild", rebuild_while_someone_saves)
    assert reindex(app) == 5
    assert len(applied) == 1  # the five covered tasks were dropped, the late one applied
    assert pending_count() == 0
    assert len(codes(db_session, "nhap hang loat")) == 5
    assert codes(db_session, "luu muon") == ["LATE-1"]
    assert check() == []


def test_an_items_document_holds_its_texts_names_and_facets(db_session, make_item):
    """The document of every part an item has, read in bulk: what an index built before holds, so it stays equal."""
    from archive.indexing import documents
    from archive.models import Body, ItemProvenance, SourceRepository, Term

    body = db_session.query(Body).filter_by(code="btttt").one()
    item = make_item(reference_code="DOC-1", date="1954-05", creator="Thông tấn xã", body="btttt",
                     terms=["CEDAW", "ICCPR"], tags=["Điện Biên", "ảnh màu"], source_archive="TTLTQG III",
                     texts={"vi": {"title": "Chiến thắng", "description": "Mô tả", "transcription": "Chép lại"},
                            "en": {"title": "Victory", "caption": "A caption"}})  # fmt: skip
    source = SourceRepository(name="museum", base_url="https://museum.test/oai", repository_name="Bảo tàng",
                              repository_identifier="museum.test")  # fmt: skip
    db_session.add(source)
    db_session.flush()
    db_session.add(ItemProvenance(item_id=item.id, repository_id=source.id, oai_identifier="oai:museum.test:7",
                                  datestamp="2025-01-01"))  # fmt: skip
    db_session.commit()
    terms = {t.code: t for t in db_session.query(Term).filter(Term.code.in_(["CEDAW", "ICCPR"]))}
    labels = [part for code in ("CEDAW", "ICCPR") for part in (code, *terms[code].labels.values())]
    [document] = documents(db_session, [item.id, 999_999])
    digest = document.pop("digest")
    assert document == {
        "id": str(item.id), "date": 19540501,
        "texts": {"en": "Victory\nA caption", "vi": "Chiến thắng\nMô tả\nChép lại"},
        "extra": "\n".join(["DOC-1", "Thông tấn xã", "1954-05", "TTLTQG III", "Điện Biên", "ảnh màu",
                            *item.place.names.values(), *body.names.values(), *labels,
                            "Bảo tàng", "museum", "museum.test", "oai:museum.test:7"]),
        "facets": {"type": ["photo"], "decade": ["1950"], "place": ["vn-ha-noi"], "term": ["CEDAW", "ICCPR"],
                   "has_lang": ["en", "vi"], "body": ["btttt"], "status": ["draft"]},
    }  # fmt: skip
    assert len(digest) == 64


def test_a_bulk_import_is_searchable_when_the_command_ends(app, db_session, runner, make_user, tmp_path, monkeypatch):
    """One index commit for the whole import, shared by the CLI's processes, and a line saying how far it got."""
    import csv
    import os

    from core.search import whoosh_engine

    monkeypatch.setattr(whoosh_engine, "REBUILD_CHUNK", 60)  # as a big import's chunks, at a test's size
    monkeypatch.setattr(whoosh_engine, "PART_MIN", 30)
    monkeypatch.setattr(outbox, "PARALLEL_MIN", 100)  # a backlog, at a test's size
    with open(tmp_path / "items.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["reference_code", "type", "date", "terms", "title_vi"])
        writer.writerows([f"BULK-{n:03d}", "photo", "1975", "CRC", f"Ảnh nhập hàng loạt {n}"] for n in range(150))
    index, procs = search_index(), []
    try_writer = index.try_writer

    def counted(**options):
        procs.append(options.get("procs", 1))
        return try_writer(**options)

    monkeypatch.setattr(index, "try_writer", counted)
    email = make_user("archivist").email
    result = runner.invoke(args=["import", str(tmp_path / "items.csv"), "--files", str(tmp_path), "--as", email])
    assert result.exit_code == 0, result.output
    assert "search index: 150 of 150 updates applied" in result.output
    assert procs == [os.cpu_count() or 1]  # the command's own catch-up, before the after-commit apply found none
    assert pending_count() == 0 and check() == []
    assert index.count() == 150 and len(index.digests()) == 150
    assert codes(db_session, "nhap hang loat 149") == ["BULK-149"]
