"""Import jobs: the API's 202 and polling, the page's progress and report, leases, retries, dead letters."""

import io
import os
import time
import traceback
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from archive import import_jobs
from archive.models import ImportJob, Item, JobState
from core.audit import history
from core.db import db, utcnow
from core.uow import unit

API = "/api/v1/imports"
HEADER = "reference_code,type,date,place,terms,title_vi,title_en\n"
GOOD = [
    "IJ-001,photo,1945-09-02,vn-ha-noi,ICCPR,Lễ đọc Tuyên ngôn độc lập,Reading of the Declaration",
    "IJ-002,document,2022-09-28,vn-ha-noi,CRC,Quyết định 1079/QĐ-TTg,Decision 1079",
    "IJ-003,painting,1960,,,Loại sai,Wrong type",
    "IJ-004,photo,c. 1954,,,Ảnh tư liệu,Archive photo",
]


@pytest.fixture
def app_config(app_config):
    """Jobs wait for the test (or a worker process) to run them, as with `flask imports worker`."""
    return app_config | {"IMPORT_JOBS": "worker", "IMPORT_JOB_BACKOFF_SECONDS": 0}


def csv_bytes(lines=GOOD) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def post_import(client, headers, csv=None, **form):
    data = {"csv": (io.BytesIO(csv if csv is not None else csv_bytes()), "items.csv"), **form}
    return client.post(API, data=data, headers=headers, content_type="multipart/form-data")


def codes(db_session) -> list[str]:
    db_session.rollback()
    return sorted(db_session.scalars(select(Item.reference_code)))


def job_row(db_session, job_id) -> ImportJob:
    db_session.rollback()
    job = db_session.get(ImportJob, job_id)
    db_session.expunge(job)
    return job


def test_api_answers_202_with_the_jobs_url_then_progress_then_the_report(app, db_session, client, auth):
    headers = auth("archivist")
    posted = post_import(client, headers)
    assert posted.status_code == 202, posted.get_data(True)
    location = posted.headers["Location"]
    assert location.startswith("/api/v1/imports/") and posted.json["status"] == "queued"
    folder = import_jobs.inbox_root(app) / job_row(db_session, posted.json["id"]).folder
    assert (folder / "import.csv").exists()  # kept for the worker until the job ends
    assert client.get(location, headers=headers).json["status"] == "queued"
    assert codes(db_session) == []  # nothing imported in the request

    assert import_jobs.run_pending(app) == 1
    answer = client.get(location, headers=headers).json
    assert answer["status"] == "done" and answer["rows_done"] == answer["rows_total"] == 4
    assert answer["errors_so_far"] == 1 and answer["error"] is None
    report = answer["report"]
    assert report["imported"] == ["IJ-001", "IJ-002", "IJ-004"] and report["skipped"] == []
    assert [(p["line"], p["reference_code"]) for p in report["problems"]] == [(4, "IJ-003")]
    assert codes(db_session) == ["IJ-001", "IJ-002", "IJ-004"]
    assert not folder.exists()
    # Someone else's job is not found; a staff member without a token is refused.
    assert client.get(location, headers=auth("archivist")).status_code == 404
    assert client.get(location).status_code == 401


def test_a_refused_upload_fails_with_its_reason_in_the_language_it_was_asked_in(app, db_session, client, auth):
    headers = auth("archivist") | {"Accept-Language": "en"}  # the worker's own default is Vietnamese
    posted = post_import(client, headers, files=(io.BytesIO(b"not a zip"), "scans.zip"))
    assert posted.status_code == 202
    import_jobs.run_pending(app)
    answer = client.get(posted.headers["Location"], headers=headers).json
    assert answer["status"] == "failed" and answer["report"] is None
    assert answer["error"] == {"code": "refused", "message": "The files are not a ZIP archive."}
    assert not answer["dead_letter"]


def test_api_refusals_are_json_errors(app, client, auth):
    headers = auth("archivist")
    missing = client.post(API, data={}, headers=headers, content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["error"]["field"] == "csv"
    empty = post_import(client, headers, csv=b"")
    assert empty.status_code == 422 and empty.json["error"]["field"] == "csv"
    app.config["MAX_UPLOAD_BYTES"] = 10
    too_big = post_import(client, headers)
    assert too_big.status_code == 422 and too_big.json["error"]["code"] == "too_large"
    left = [p for root in (import_jobs.inbox_root(app), import_jobs.scratch_root(app)) for p in root.rglob("*")]
    assert not [path for path in left if path.is_file()]  # a refused upload leaves nothing behind


def test_the_page_starts_a_job_shows_its_progress_then_its_report(app, db_session, login_as):
    client, _user = login_as("archivist")
    scans = io.BytesIO()
    with zipfile.ZipFile(scans, "w") as zf:
        zf.writestr("unused.txt", "nothing")
    data = {"csv": (io.BytesIO(csv_bytes()), "items.csv"), "files": (io.BytesIO(scans.getvalue()), "scans.zip")}
    started = client.post("/staff/import?lang=en", data=data, content_type="multipart/form-data")
    assert started.status_code == 302
    page = client.get(started.headers["Location"]).get_data(True)
    assert "Waiting for a worker" in page and "import-progress.js" in page and "data-import-status=" in page
    status = client.get(started.headers["Location"] + "/status").json
    assert status["status"] == "queued" and status["rows_done"] == 0

    import_jobs.run_pending(app)
    page = client.get(started.headers["Location"] + "?lang=en").get_data(True)
    assert "3 items imported." in page and "<td>4</td>" in page and "import-progress.js" not in page


def queue(db_session, app, user, lines=GOOD) -> int:
    return import_jobs.queue_import(user.id, ("items.csv", io.BytesIO(csv_bytes(lines))), None, False, app)


def test_an_expired_lease_is_queued_again_and_the_late_worker_records_nothing(app, db_session, make_user):
    user = make_user("archivist")
    job_id = queue(db_session, app, user)
    lost = import_jobs.claim_job(app)
    assert import_jobs.claim_job(app) is None  # held: no second claim
    db_session.rollback()
    with unit("the lost worker's lease runs out") as session:
        session.execute(update(ImportJob).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert import_jobs.recover(app)["requeued"] == 1
    assert job_row(db_session, job_id).state == JobState.QUEUED
    again = import_jobs.claim_job(app)
    assert again.attempt == 2
    assert import_jobs.run_claimed(lost, app) is None  # fenced: its progress finds the job no longer its own
    assert import_jobs.run_claimed(again, app) == JobState.DONE
    assert job_row(db_session, job_id).attempts == 2 and len(codes(db_session)) == 3


def test_unexpected_errors_retry_with_back_off_then_dead_letter(app, db_session, make_user, monkeypatch, login_as):
    user = make_user("archivist")
    job_id = queue(db_session, app, user)

    def broken(*_args, **_kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(import_jobs, "import_rows", broken)
    app.config["IMPORT_JOB_BACKOFF_SECONDS"] = 60
    assert import_jobs.run_next_safely(app) == JobState.QUEUED
    waiting = job_row(db_session, job_id)
    wait = waiting.not_before.replace(tzinfo=None) - utcnow().replace(tzinfo=None)  # SQLite's are naive
    assert wait > timedelta(seconds=50) and waiting.error_detail == "OSError: disk on fire"
    assert import_jobs.run_next_safely(app) is False  # backing off
    app.config["IMPORT_JOB_BACKOFF_SECONDS"] = 0
    db_session.rollback()
    with unit("the back-off ends") as session:
        session.execute(update(ImportJob).values(not_before=utcnow()))
    outcomes = [import_jobs.run_next_safely(app) for _ in range(3)]
    assert outcomes == [JobState.QUEUED, JobState.FAILED, False]  # three attempts, then given up
    dead = job_row(db_session, job_id)
    assert dead.dead_at is not None and dead.attempts == 3
    assert (import_jobs.inbox_root(app) / dead.folder / import_jobs.CSV_NAME).is_file()  # kept to queue again
    admin, _admin = login_as("admin")
    page = admin.get("/staff/import?lang=en").get_data(True)
    title = page[page.index("<title>") : page.index("</title>")]
    assert "Imports given up" not in title and "Imports given up" in page and "OSError: disk on fire" in page
    assert f"/staff/import/{job_id}/retry" in page and f"/staff/import/{job_id}/discard" in page
    archivist, _archivist = login_as("archivist")
    page = archivist.get("/staff/import?lang=en").get_data(True)
    assert "Imports given up" not in page and "/retry" not in page
    assert archivist.post(f"/staff/import/{job_id}/retry").status_code == 403

    # Once its cause is fixed, an admin queues it again: attempts reset, rows already stored skipped.
    monkeypatch.undo()
    answer = admin.post(f"/staff/import/{job_id}/retry?lang=en")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/staff/import/{job_id}")
    again = job_row(db_session, job_id)
    assert again.state == JobState.QUEUED and again.attempts == 0 and again.dead_at is None
    assert import_jobs.run_next_safely(app) == JobState.DONE and len(codes(db_session)) == 3
    assert not (import_jobs.inbox_root(app) / dead.folder).exists()  # done: its folder goes
    db_session.rollback()
    assert [e.action for e in history(db_session, "import_job", job_id)] == ["retry"]
    # Not a dead letter any more: a second retry is refused with its reason, nothing changed.
    refused = admin.post(f"/staff/import/{job_id}/retry?lang=en", follow_redirects=True).get_data(True)
    assert "This import is not among those given up." in refused
    assert job_row(db_session, job_id).state == JobState.DONE


def test_an_admin_discards_a_dead_letter_and_its_files_then_it_cannot_be_queued(app, db_session, make_user, login_as):
    job_id = queue(db_session, app, make_user("archivist"))
    db_session.rollback()
    with unit("given up") as session:
        session.execute(update(ImportJob).values(state=JobState.FAILED, dead_at=utcnow(), attempts=3,
                                                 error_detail="OSError: disk on fire"))  # fmt: skip
    folder = import_jobs.inbox_root(app) / job_row(db_session, job_id).folder
    admin, _admin = login_as("admin")
    answer = admin.post(f"/staff/import/{job_id}/discard?lang=en", follow_redirects=True).get_data(True)
    assert f"Import {job_id} was taken off the list" in answer and "Imports given up" not in answer
    discarded = job_row(db_session, job_id)
    assert discarded.state == JobState.FAILED and discarded.dead_at is None and not folder.exists()
    refused = admin.post(f"/staff/import/{job_id}/retry?lang=vi", follow_redirects=True).get_data(True)
    assert "Lần nhập này không nằm trong số các lần nhập đã bị dừng." in refused  # in the reader's language
    assert job_row(db_session, job_id).state == JobState.FAILED


def test_a_dead_letters_files_go_after_the_days_they_are_kept(app, db_session, make_user, login_as):
    archivist = make_user("archivist")
    ids = [queue(db_session, app, archivist) for _ in range(2)]
    db_session.rollback()
    with unit("given up, one long ago") as session:
        session.execute(update(ImportJob).where(ImportJob.id == ids[0])
                        .values(state=JobState.FAILED, dead_at=utcnow() - timedelta(days=31)))  # fmt: skip
        session.execute(update(ImportJob).where(ImportJob.id == ids[1])
                        .values(state=JobState.FAILED, dead_at=utcnow() - timedelta(days=29)))  # fmt: skip
    old, recent = (import_jobs.inbox_root(app) / job_row(db_session, i).folder for i in ids)
    assert import_jobs.recover(app)["cleaned"] == 1 and not old.exists() and recent.exists()
    admin, _admin = login_as("admin")
    page = admin.get("/staff/import?lang=en").get_data(True)
    assert "Files no longer kept" in page and f"/staff/import/{ids[1]}/retry" in page
    assert f"/staff/import/{ids[0]}/retry" not in page
    answer = admin.post(f"/staff/import/{ids[0]}/retry?lang=en", follow_redirects=True).get_data(True)
    assert "The files of this import are no longer kept; send the CSV again." in answer


def test_recovery_removes_only_this_machines_dead_processes_staging(app, monkeypatch):
    root = import_jobs.scratch_root(app)
    host = import_jobs.process_name().rpartition("-")[0]
    dead, alive, other = root / f"{host}-999999", root / import_jobs.process_name(), root / "elsewhere-999999"
    for folder in (dead, alive, other):
        (folder / "upload").mkdir(parents=True)
    assert import_jobs.recover(app)["cleaned"] == 1
    assert not dead.exists() and alive.exists() and other.exists()


def test_recovery_removes_job_folders_no_open_job_needs(app, db_session, make_user):
    waiting = queue(db_session, app, make_user("archivist"))
    inbox = import_jobs.inbox_root(app)
    fresh, orphan, ended = inbox / "fresh", inbox / "orphan", inbox / "ended"
    for folder in (fresh, orphan, ended):
        folder.mkdir()
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))  # its row never came: a crash in between
    db_session.rollback()
    with unit("a job that ended before its folder went") as session:
        session.add(ImportJob(user_id=job_row(db_session, waiting).user_id, folder="ended", csv_name="a.csv",
                              lang="en", state=JobState.DONE))  # fmt: skip
    assert import_jobs.recover(app)["cleaned"] == 2
    assert fresh.exists() and not orphan.exists() and not ended.exists()
    assert (inbox / job_row(db_session, waiting).folder).exists()  # still queued: kept


def claim_in_process(url: str, data_dir: str, start, results) -> None:
    """In a process of its own: claim jobs until none is left; report the ids claimed."""
    from app import create_app

    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir, "SECRET_KEY": "test-secret",
                          "IMPORT_JOBS": "worker"})  # fmt: skip
        with app.app_context():
            start.wait(timeout=60)
            claimed = []
            while (claim := import_jobs.claim_job(app)) is not None:
                claimed.append(claim.job_id)
            db.engine.dispose()
        results.put(("ok", claimed))
    except Exception:
        results.put(("error", traceback.format_exc()))


@pytest.mark.slow
def test_two_worker_processes_never_take_one_job_twice(app, db_session, make_user, process_context):
    user = make_user("archivist")
    queued = [queue(db_session, app, user, GOOD[:1]) for _ in range(12)]
    db_session.remove()
    db.engine.dispose()
    start, results = process_context.Barrier(2), process_context.Queue()
    args = (app.config["SQLALCHEMY_DATABASE_URI"], app.config["DATA_DIR"], start, results)
    processes = [process_context.Process(target=claim_in_process, args=args) for _ in range(2)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
    assert all(kind == "ok" for kind, _ in answers), answers
    claimed = [job_id for _, ids in answers for job_id in ids]
    assert sorted(claimed) == queued  # each once, by one of the two
    rows = db_session.execute(select(ImportJob.state, ImportJob.attempts)).all()
    assert rows == [(JobState.RUNNING, 1)] * len(queued)


def test_the_worker_command_recovers_then_runs_the_queue(app, db_session, make_user, runner):
    job_id = queue(db_session, app, make_user("archivist"))
    result = runner.invoke(args=["imports", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "recovery: 0 imports queued again" in result.output and "1 imports run" in result.output
    assert "search index: 3 of 3 updates applied" in result.output  # searchable when the worker moves on
    assert job_row(db_session, job_id).state == JobState.DONE


def test_in_background_mode_the_web_process_runs_the_job_after_answering(app, db_session, client, auth):
    app.config["IMPORT_JOBS"] = "background"
    headers = auth("archivist")
    try:
        location = post_import(client, headers).headers["Location"]
        deadline = time.monotonic() + 30
        while (status := client.get(location, headers=headers).json["status"]) in ("queued", "running"):
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
    finally:
        import_jobs.stop_background(app)
    assert status == "done" and codes(db_session) == ["IJ-001", "IJ-002", "IJ-004"]


def test_a_finished_import_says_how_much_of_it_search_finds_until_all(app, db_session, login_as, auth):
    from core.search import index_to_read

    client, _user = login_as("archivist")
    started = client.post("/staff/import?lang=en", data={"csv": (io.BytesIO(csv_bytes()), "items.csv")},
                          content_type="multipart/form-data")  # fmt: skip
    location = started.headers["Location"]
    assert client.get(location + "/status").json["search"] is None  # not before the import ends
    import_jobs.run_pending(app)
    # The tests' SEARCH_APPLY leaves the outbox to the next search: none of the three is found yet.
    page = client.get(location + "?lang=en").get_data(True)
    assert 'Search finds <span data-field="indexed">0</span> of the 3 imported items so far' in page
    assert "search-progress.js" in page and f'data-search-progress="{location}/status"' in page
    assert client.get(location + "/status").json["search"] == {"indexed": 0, "total": 3}
    index_to_read(app)
    assert client.get(location + "/status").json["search"] == {"indexed": 3, "total": 3}
    page = client.get(location + "?lang=en").get_data(True)
    assert "Search is up to date: every imported item can be found." in page and "search-progress.js" not in page

    headers = auth("archivist")
    dry = post_import(client, headers, dry_run="1")
    import_jobs.run_pending(app)
    answer = client.get(dry.headers["Location"], headers=headers).json
    assert answer["status"] == "done" and answer["search"] is None  # a dry run imports nothing to find
