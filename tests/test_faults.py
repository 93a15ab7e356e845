"""Concurrency and faults (issue 23, part 5): the short forms of bench/faults.py in `make test`, its full run in
`make test-all` (marker `long`).

Short forms: clients editing and publishing over real HTTP against the app served by threads in this process (no
lost update, no server error, the index equal to the database after); a SIGKILL of an import worker mid-import
(every row there once after the recovery, the index equal); a full disk during an upload and an import (507, a
message, nothing kept). The full run starts `make serve`'s command with 4 web workers and its background workers.
"""

import errno
import io
import os
import signal
import threading
import time
import traceback
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from archive import import_jobs
from archive.models import ImportJob, Item, JobState, MediaFile
from bench import faults
from core.db import db
from core.search import apply_pending, check
from core.storage import Storage
from core.uow import unit
from tests.archive import samples
from tests.conftest import TEST_DB, app_settings

API = "/api/v1"


@pytest.fixture
def served(app):
    """The test's app over HTTP on a free loopback port, a thread per request (as gunicorn's workers side by side)."""
    db.session.remove()  # the test's own connection holds nothing while the clients write
    server = make_server(faults.HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@pytest.mark.slow
def test_clients_editing_and_publishing_lose_no_update(app, served):
    fixture = faults.make_fixture(served, app, clients=8, shown=4, moving=4, exhibitions=2)
    run = faults.EditRun(served, fixture)
    counts = faults.run_async(run.run(clients=8, seconds=1.5))
    run.verify(app)
    assert (counts.server_errors, counts.no_answer, counts.accepted_without_version, counts.lost_updates) == (
        0, 0, 0, 0), counts.problems  # fmt: skip
    assert counts.ok and sum(len(writes) for writes in run.accepted.values())  # writes were accepted, and checked
    apply_pending(app)
    assert check(app) == []


def import_until_killed(url: str, data_dir: str, results) -> None:
    """In a process of its own, as `flask imports worker`: run the queued import (the parent kills it)."""
    from app import create_app
    from archive import ingest

    try:
        # Small batches, the worker stalling after the second: a short import is still many units, and the kill
        # falls between two however slowly a loaded machine lets the parent look (it waited 0.1 s a batch, and a
        # busy parent once found the import finished).
        ingest.BATCH_SIZE = 50
        store = ingest._Batch.store
        stored = []

        def store_slowly(batch):
            store(batch)
            stored.append(batch)
            time.sleep(60 if len(stored) == 2 else 0.1)

        ingest._Batch.store = store_slowly
        app = create_app(app_settings(Path(data_dir), url) | {"IMPORT_JOBS": "worker", "IMPORT_JOB_LEASE_SECONDS": 1})
        with app.app_context():
            import_jobs.run_pending(app)
        results.put("finished before it was killed")
    except Exception:
        results.put(traceback.format_exc())


@pytest.mark.slow
def test_an_import_worker_killed_mid_import_loses_nothing(app, db_session, make_user, process_context):
    app.config |= {"IMPORT_JOBS": "worker", "IMPORT_JOB_LEASE_SECONDS": 1}
    rows = 300
    user = make_user("archivist")
    job_id = import_jobs.queue_import(user.id, ("items.csv", io.BytesIO(faults.import_csv(rows, "kill"))), None,
                                      False, app)  # fmt: skip
    db_session.rollback()  # see the job's own unit
    folder = db_session.get(ImportJob, job_id).folder
    db_session.remove()
    db.engine.dispose()

    def imported() -> int:
        with unit("count", write=False) as session:
            return session.scalar(select(func.count(Item.id)).where(Item.reference_code.like("IMP-kill-%")))

    results = process_context.Queue()
    settings = (app.config["SQLALCHEMY_DATABASE_URI"], app.config["DATA_DIR"], results)
    worker = process_context.Process(target=import_until_killed, args=settings)
    worker.start()
    try:
        assert faults.wait_for(lambda: imported() >= 50, 60, 0.01), "the import made no progress"
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.join(10)
    assert worker.exitcode == -signal.SIGKILL and results.empty()
    killed_at = imported()
    assert 0 < killed_at < rows  # some batches kept, the rest still to do

    # The next worker's start: the lease runs out, the job is queued again, and runs to its end.
    assert faults.wait_for(lambda: import_jobs.recover(app)["requeued"], 10, 0.2) == 1
    assert import_jobs.run_pending(app) == 1
    with unit("outcome", write=False) as session:
        job = session.get(ImportJob, job_id)
        assert (job.state, job.attempts) == (JobState.DONE, 2)
        codes = session.scalars(select(Item.reference_code).where(Item.reference_code.like("IMP-kill-%"))).all()
    assert len(codes) == len(set(codes)) == rows  # each row once: what the first attempt stored was skipped
    assert not (import_jobs.inbox_root(app) / folder).exists()
    apply_pending(app)
    assert check(app) == []  # no index update lost with the worker


class FullDisk(Storage):
    """Originals on a disk that fills up during a save: the copy into the temporary file fails with ENOSPC after
    its first chunk, as a write would."""

    def save(self, stream):
        return super().save(_Filling(stream))


class _Filling:
    def __init__(self, stream):
        self.stream, self.chunks = stream, 0

    def read(self, size=-1):
        self.chunks += 1
        if self.chunks > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.stream.read(size)


def nothing_kept(app) -> dict:
    """Files under storage and scratch, and file rows and import jobs, as counts."""
    data = Path(app.config["DATA_DIR"])
    with unit("counts", write=False) as session:
        rows = session.scalar(select(func.count(MediaFile.id))) + session.scalar(select(func.count(ImportJob.id)))
    return {"rows": rows, "files": sum(1 for p in (data / "files").rglob("*") if p.is_file()),
            "scratch": sum(1 for p in (data / "tmp").rglob("*") if p.is_file()),
            "imports": sum(1 for p in (data / "imports").rglob("*") if p.is_file())}  # fmt: skip


@pytest.mark.one_database  # refused before any row is written: no query differs between the databases
def test_a_full_disk_refuses_an_upload_and_an_import_and_keeps_nothing(app, client, db_session, make_user, make_item,
                                                                       monkeypatch):  # fmt: skip
    from core.auth import issue_token

    user = make_user("archivist")
    item = make_item(user=user)
    headers = {"Authorization": f"Bearer {issue_token(db_session, user)}"}
    db_session.commit()
    app.extensions["vitrine.storage"] = FullDisk(app.config["STORAGE_DIR"])
    data = {"files": [(io.BytesIO(samples.png_bytes((1200, 900))), "scan.png")]}
    answer = client.post(f"{API}/items/{item.id}/media?lang=vi", data=data, headers=headers,
                         content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 507 and answer.json["error"]["code"] == "storage_full"
    assert answer.json["error"]["field"] == "files"
    assert "không còn chỗ" in answer.json["error"]["message"]  # the reader's language: Vietnamese here

    real_copy = import_jobs._copy

    def copy_until_full(stream, target, limit, field):
        real_copy(io.BytesIO(stream.read(1000)), target, limit, field)  # some bytes reach the disk…
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # …then it is full

    monkeypatch.setattr(import_jobs, "_copy", copy_until_full)
    data = {"csv": (io.BytesIO(faults.import_csv(100, "disk")), "items.csv")}
    answer = client.post(f"{API}/imports?lang=en", data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 507 and "no room left" in answer.json["error"]["message"]
    assert nothing_kept(app) == {"rows": 0, "files": 0, "scratch": 0, "imports": 0}


@pytest.mark.slow
@pytest.mark.long
def test_the_full_fault_run():
    """bench/faults.py as it is documented: 4 web workers, 50 clients for a minute, the kills, the full disk (as
    root only: it mounts tmpfs), on this run's database kind, with its own server in a fresh data folder (one it
    makes, open to PostgreSQL's own user, unlike pytest's)."""
    phases = ["--concurrency", "--kill"] + (["--disk"] if os.geteuid() == 0 else [])
    assert faults.main(["--db", TEST_DB, *phases]) == 0
