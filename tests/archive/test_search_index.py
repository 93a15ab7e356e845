"""The index never drifts: the outbox, a lost process, the CLI, two writer processes at once."""

import traceback

import pytest

from archive.models import Item
from archive.searching import search_items
from archive.services import update_item
from core.auth import User
from core.db import db
from core.search import SearchTask, apply_pending, check, pending_count, reindex, search_index

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
    from core.search import outbox

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
