"""The outbox with a domain of its own making: records held in a dict, changed in units of work.

What archive's items do through it is in tests/archive/test_search*.py; here the outbox is
asked only what core.search offers a domain: record_changes, the apply after commit (once per
long job under collected_effects), the modes, reindex and check.
"""

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from core import search
from core.search import DocumentSource, Query, SearchTask, outbox
from core.uow import collected_effects, unit


class Records:
    """A domain's records (id → text), with the document source the search package asks for."""

    def __init__(self):
        self.texts: dict[int, str] = {}

    def document(self, record_id: int) -> search.Document:
        text = self.texts[record_id]
        return {"id": str(record_id), "digest": f"{record_id}:{text}", "texts": {"vi": text}, "facets": {}}

    def documents(self, session, ids):
        assert session.scalar(select(1)) == 1  # a live session of the apply's unit
        return [self.document(i) for i in ids if i in self.texts]

    def all_documents(self, session):
        return [self.document(i) for i in sorted(self.texts)]


@pytest.fixture
def records(app, tmp_path):
    records = Records()
    app.config["SEARCH_APPLY"] = "inline"  # the tests' own default is on_read; each mode is asked here
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "records-index")
    search.init_app(app, DocumentSource(("kind",), records.documents, records.all_documents))
    return records


@pytest.fixture
def applies(monkeypatch):
    """How many times the after-commit effect applied the outbox."""
    calls = []
    apply = outbox.apply_pending_safely
    monkeypatch.setattr(outbox, "apply_pending_safely", lambda app: calls.append(1) or apply(app))
    return calls


def change(records, *changes) -> None:
    """Change records (text, or None to delete) in a unit of their own, saying so to the outbox."""
    with unit("test.change") as session:
        for record_id, text in changes:
            if text is None:
                records.texts.pop(record_id, None)
            else:
                records.texts[record_id] = text
        search.record_changes(session, [record_id for record_id, _text in changes])


def found(text: str) -> list[str]:
    return sorted(h.id for h in search.search_index().search(Query(text=text, per_page=100)).hits)


def test_changes_are_applied_once_their_unit_commits(records, applies):
    change(records, (1, "Quyền con người"), (2, "Bình đẳng giới"), (1, "Quyền con người ở Hà Nội"))
    assert applies == [1]  # one effect per transaction, whatever it recorded
    assert found("ha noi") == ["1"] and found("binh dang") == ["2"]
    assert search.pending_count() == 0 and search.check() == []
    change(records, (2, None))
    assert found("binh dang") == [] and search.search_index().count() == 1


def test_a_unit_that_rolls_back_queues_nothing_and_applies_nothing(records, applies):
    with pytest.raises(RuntimeError), unit("test.change") as session:
        search.record_changes(session, [1])
        raise RuntimeError("the change failed")
    assert applies == [] and search.pending_count() == 0


def test_a_long_job_applies_once_at_its_end(records, applies):
    with collected_effects():
        for n in range(3):
            change(records, (n, f"Ảnh nhập hàng loạt {n}"))
        assert applies == [] and search.pending_count() == 3
    assert applies == [1]
    assert found("nhap hang loat") == ["0", "1", "2"] and search.pending_count() == 0


def test_the_worker_mode_leaves_the_tasks_to_the_worker(app, records, applies):
    app.config["SEARCH_APPLY"] = "worker"
    change(records, (1, "Đoàn kết dân tộc"))
    assert applies == [] and found("doan ket") == []
    assert search.check() == [("1", "missing")]
    assert search.apply_pending(app) == 1 and found("doan ket") == ["1"]


def test_the_on_read_mode_applies_every_task_at_the_next_search(app, records, applies):
    app.config["SEARCH_APPLY"] = "on_read"
    change(records, (1, "Đoàn kết dân tộc"))
    change(records, (2, "dân tộc thiểu số"), (1, "Đoàn kết"))
    assert applies == [] and search.pending_count() == 3  # a task per record and commit, none applied yet
    assert search.check() == []  # check reads, so it applies first
    assert applies == [1] and search.pending_count() == 0
    change(records, (3, "dân tộc Tày"))
    assert sorted(h.id for h in search.index_to_read().search(Query(text="dan toc", per_page=10)).hits) == ["2", "3"]
    assert applies == [1, 1]


def test_the_background_mode_pokes_the_processes_runner(app, records, monkeypatch):
    pokes = []
    monkeypatch.setattr(outbox, "_background", lambda app: type("Runner", (), {"poke": lambda self: pokes.append(1)})())
    app.config["SEARCH_APPLY"] = "background"
    change(records, (1, "Đoàn kết"))
    change(records, (2, "dân tộc"))
    assert pokes == [1, 1] and search.pending_count() == 2


def test_check_tells_missing_stale_and_deleted_entries_and_reindex_mends_them(app, records):
    change(records, (1, "một"), (2, "hai"), (3, "ba"))
    with search.search_index().try_writer() as writer:
        writer.delete("1")
        writer.upsert({"id": "2", "digest": "old", "texts": {"vi": "cũ"}, "facets": {}})
        writer.upsert({"id": "99", "texts": {"vi": "ma"}, "facets": {}})
    assert search.check() == [("1", "missing"), ("2", "stale"), ("99", "deleted")]
    app.config["SEARCH_APPLY"] = "worker"
    change(records, (4, "bốn"))
    seen = []
    assert search.reindex(app, on_document=lambda: seen.append(1)) == 4
    assert len(seen) == 4 and search.check() == []
    assert search.pending_count() == 0  # the task it covered is forgotten, not applied again
    with unit("test.read", write=False) as session:
        assert session.scalars(select(SearchTask)).all() == []


# --- A backlog: a bulk import's or a harvest's tasks ----------------------------------------


@pytest.fixture
def writers(records, monkeypatch):
    """The processes each index writer the outbox got was asked to share its work among (one per commit)."""
    index, taken = search.search_index(), []
    try_writer = index.try_writer

    @contextmanager
    def counted(**options):
        with try_writer(**options) as writer:
            if writer is not None:
                taken.append(options.get("procs", 1))
            yield writer

    monkeypatch.setattr(index, "try_writer", counted)
    return taken


def backlog(records, count: int, start: int = 0, per_unit: int = 50) -> None:
    """`count` new records in units of `per_unit`, their tasks left queued as a bulk import's are."""
    for first in range(start, start + count, per_unit):
        change(records, *((n, f"Ảnh nhập hàng loạt {n}") for n in range(first, min(first + per_unit, start + count))))


def total(text: str) -> int:
    return search.search_index().search(Query(text=text, per_page=1)).total


def test_a_backlog_is_applied_in_a_few_big_commits_by_one_writer(app, records, writers, monkeypatch):
    from core.search import whoosh_engine

    monkeypatch.setattr(whoosh_engine, "PART_MIN", 50)  # each commit's 120 documents shared by two processes
    monkeypatch.setattr(outbox, "PARALLEL_MIN", 100)
    app.config["SEARCH_APPLY"] = "worker"
    backlog(records, 300)
    assert search.pending_count() == 300
    assert search.apply_pending(app, batch=120, procs=2) == 300
    assert writers == [2, 2, 1]  # 120, 120 and 60 tasks a commit: the last, under PARALLEL_MIN, in one process
    assert search.pending_count() == 0 and search.check() == []
    assert total("nhap hang loat") == 300 == search.search_index().count()


def test_replacements_and_deletions_inside_a_backlog_leave_no_duplicate_and_nothing_stale(app, records, monkeypatch):
    from core.search import whoosh_engine

    monkeypatch.setattr(whoosh_engine, "REBUILD_CHUNK", 40)  # several chunks a commit, as a big backlog has
    monkeypatch.setattr(outbox, "PARALLEL_MIN", 1)
    change(records, *((n, f"ảnh cũ {n}") for n in range(120)))  # indexed (inline)
    app.config["SEARCH_APPLY"] = "worker"
    backlog(records, 130, start=200)
    change(records, *((n, f"ảnh sửa {n}") for n in range(60)))
    change(records, *((n, None) for n in range(60, 90)))
    change(records, (5, "ảnh sửa lần hai"), (210, "ảnh mới sửa lại"), (220, None))  # twice in the backlog
    assert search.apply_pending(app, batch=100, procs=2) == 130 + 60 + 30 + 3
    index = search.search_index()
    assert search.pending_count() == 0 and search.check() == []
    assert len(index.digests()) == index.count() == 30 + 60 + 129  # one entry an id
    assert total("cu") == 30 and total("sua") == 61 and total("lan hai") == 1 and total("sua lai") == 1
    assert total("nhap hang loat") == 128


def test_a_crash_mid_drain_leaves_the_rest_queued_and_running_again_completes(app, records, monkeypatch):
    app.config["SEARCH_APPLY"] = "worker"
    backlog(records, 150)
    calls = []

    def dies_on_the_second_batch(session, ids):
        calls.append(len(ids))
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return records.documents(session, ids)

    search.init_app(app, DocumentSource(("kind",), dies_on_the_second_batch, records.all_documents))
    with pytest.raises(RuntimeError):
        search.apply_pending(app, batch=50)
    assert search.pending_count() == 100 and search.search_index().count() == 50  # the first commit stays

    def dies_after_the_index_commit(_task_ids):
        raise RuntimeError("the process died")

    forget = outbox._forget_tasks
    monkeypatch.setattr(outbox, "_forget_tasks", dies_after_the_index_commit)
    with pytest.raises(RuntimeError):
        search.apply_pending(app, batch=50)
    assert search.pending_count() == 100 and search.search_index().count() == 100
    monkeypatch.setattr(outbox, "_forget_tasks", forget)
    assert search.apply_pending(app, batch=50) == 100  # applied again: replaced, not added twice
    assert search.check() == [] and len(search.search_index().digests()) == search.search_index().count() == 150


def test_catch_up_waits_while_another_process_holds_the_index_then_applies(app, records):
    app.config["SEARCH_APPLY"] = "worker"
    change(records, (1, "một"), (2, "hai"))
    index, held, release = search.search_index(), threading.Event(), threading.Event()

    def hold():
        with index.try_writer() as writer:  # a lock of its own, as another process's
            assert writer is not None
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    seen = []

    def progress(done, all_):
        seen.append((done, all_))
        release.set()  # the holder ends without applying anything: this process applies

    search.catch_up(app, on_progress=progress, poll_seconds=0.01)
    holder.join(10)
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    assert search.pending_count() == 0 and search.check() == []
