"""Media jobs: queued with the upload, claimed once, run after commit, failures told, lost ones retried."""

import io
import os
import subprocess
import sys
import threading
import time
import traceback
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from archive import jobs
from archive.media import derivative_path
from archive.models import JobState, MediaFile, MediaJob
from core.db import db, utcnow
from tests.archive import samples
from tests.archive.test_media import attach

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"


@pytest.fixture
def worker_mode(app):
    """Nothing runs in the app: jobs wait for `flask media worker`, as in a split deployment."""
    app.config["MEDIA_JOBS"] = "worker"


def job_of(db_session, media_id) -> MediaJob:
    db_session.rollback()  # end the test's read transaction: see what others committed
    return db_session.scalars(select(MediaJob).where(MediaJob.media_id == media_id)).one()


def queue_files(db_session, item, count) -> list[int]:
    files = [(f"scan-{n}.png", samples.png_bytes((300 + n, 200))) for n in range(count)]
    return [a.media.id for a in attach(db_session, item, *files)]


def upload(client, item, *files, headers=None):
    data = {"files": [(io.BytesIO(data), name) for name, data in files]}
    return client.post(f"/staff/items/{item.id}/media?lang=en", data=data, content_type="multipart/form-data",
                       headers=headers or {})  # fmt: skip


def test_upload_queues_a_job_and_the_request_makes_no_previews(app, db_session, make_item, login_as, worker_mode):
    client, user = login_as("archivist")
    item = make_item(user=user)
    response = upload(client, item, ("scan.jpg", samples.jpeg_with_exif()))
    assert response.status_code == 302
    page = client.get(f"/staff/items/{item.id}?lang=en").get_data(True)
    assert "previews are queued" in page and "Previews are being made" in page
    db_session.rollback()  # see the request's commit
    media = db_session.get(type(item), item.id).media[0]
    job = job_of(db_session, media.id)
    assert (job.state, job.attempts, job.read_text) == (JobState.QUEUED, 0, True)
    assert not derivative_path(media.sha256, "thumb").exists()
    assert f"/media/{media.id}/thumb-1.jpg" not in page


def test_the_job_is_written_in_the_uploads_transaction(app, db_session, make_item, worker_mode):
    from archive.media import Upload, attach_media
    from core.storage import get_storage

    item = make_item()
    attach_media(db_session, get_storage(), item.created_by, item, [Upload("a.png", io.BytesIO(samples.png_bytes()))])
    assert db_session.scalar(select(func.count()).select_from(MediaJob)) == 1  # flushed with the file
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(MediaJob)) == 0
    assert db_session.scalar(select(func.count()).select_from(MediaFile)) == 0


def test_media_worker_once_makes_the_previews_and_reads_the_text(app, db_session, make_item, runner, worker_mode):
    item = make_item(type="document")
    lines = samples.corpus_english_lines(1)
    (pdf,) = attach(db_session, item, ("qd.pdf", samples.text_pdf(lines)))
    media_id, sha256 = pdf.media.id, pdf.media.sha256
    db_session.rollback()
    result = runner.invoke(args=["media", "worker", "--once"])
    assert result.exit_code == 0 and "1 files processed, 0 failed" in result.output
    job = job_of(db_session, media_id)
    assert (job.state, job.attempts, job.error_code) == (JobState.DONE, 1, None)
    assert job.started_at and job.finished_at and job.lease_until is None
    assert derivative_path(sha256, "web").is_file()
    stored = db_session.get(MediaFile, media_id)
    assert stored.text_source == "pdf" and lines[0] in stored.item.text_for("vi").transcription
    assert runner.invoke(args=["media", "worker", "--once"]).output == ""  # nothing left


def test_the_api_answers_at_once_and_shows_the_jobs_state(app, client, db_session, make_item, auth, runner,
                                                          worker_mode):  # fmt: skip
    item = make_item()
    headers = auth(user=item.created_by) | {"Accept-Language": "en"}
    files = {"files": [(io.BytesIO(samples.png_bytes()), "a.png")]}
    response = client.post(f"{API}/items/{item.id}/media", data=files, headers=headers,
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 201, response.json
    assert "previews are queued" in response.json["message"]
    assert response.json["media"][0]["job"]["state"] == "queued"
    runner.invoke(args=["media", "worker", "--once"])
    shown = client.get(f"{API}/items/{item.id}", headers=headers).json["media"][0]["job"]
    assert shown["state"] == "done" and shown["attempts"] == 1 and shown["error"] is None and shown["finished_at"]
    schema = client.get(f"{API}/openapi.json").json["components"]["schemas"]
    assert "job" in schema["Media"]["properties"] and "state" in schema["MediaJob"]["properties"]


def test_inline_mode_reports_previews_made_within_the_request(app, db_session, make_item, login_as):
    client, user = login_as("archivist")
    item = make_item(user=user)
    response = upload(client, item, ("a.png", samples.png_bytes()), headers={"Accept": "application/json"})
    assert response.status_code == 201 and response.json["message"] == "1 file(s) added."
    assert job_of(db_session, response.json["media"][0]).state == JobState.DONE


def test_a_failing_job_records_its_reason_and_the_item_page_shows_it(app, db_session, make_item, login_as,
                                                                    runner, worker_mode):  # fmt: skip
    client, user = login_as("archivist")
    item = make_item(user=user)
    (entry,) = attach(db_session, item, ("scan.jpg", samples.jpeg_with_exif()))
    media_id = entry.media.id
    app.config["MEDIA_DECODE_TIMEOUT_SECONDS"] = 0.01  # the probe passed at upload; the derivatives time out
    result = runner.invoke(args=["media", "worker", "--once"])
    assert "0 files processed, 1 failed" in result.output
    job = job_of(db_session, media_id)
    assert (job.state, job.error_code, job.attempts) == (JobState.FAILED, "timeout", 1)
    page = client.get(f"/staff/items/{item.id}?lang=en").get_data(True)
    assert "No preview could be made: Making its previews took longer than the time limit." in page
    # Raise the limit again and retry: the job succeeds.
    app.config["MEDIA_DECODE_TIMEOUT_SECONDS"] = 60
    assert "1 failed jobs queued again" in runner.invoke(args=["media", "retry"]).output
    runner.invoke(args=["media", "worker", "--once"])
    assert job_of(db_session, media_id).state == JobState.DONE
    assert f"/media/{media_id}/thumb-1.jpg" in client.get(f"/staff/items/{item.id}?lang=en").get_data(True)


def test_an_unexpected_error_is_told_plainly_never_as_a_traceback(app, db_session, make_item, login_as, auth,
                                                                  monkeypatch, worker_mode):  # fmt: skip
    client, user = login_as("archivist")
    item = make_item(user=user)
    (entry,) = attach(db_session, item, ("a.png", samples.png_bytes()))

    def broken(*_args, **_kwargs):
        raise OSError("No space left on device: '/srv/vitrine/derivatives'")

    monkeypatch.setattr(jobs, "build_derivatives", broken)
    assert jobs.run_pending(app) == {"failed": 1}
    job = job_of(db_session, entry.media.id)
    assert job.error_code == "internal" and job.error_detail.startswith("OSError: No space left")
    page = client.get(f"/staff/items/{item.id}?lang=en").get_data(True)
    assert "the server log has the details" in page
    assert "Traceback" not in page and "/srv/vitrine" not in page and "No space left" not in page
    shown = client.get(f"{API}/items/{item.id}", headers=auth(user=user) | {"Accept-Language": "en"}).json
    assert shown["media"][0]["job"]["state"] == "failed" and "server log" in shown["media"][0]["job"]["error"]
    assert "No space left" not in str(shown)


def test_a_stale_running_job_is_claimed_again_and_the_lost_worker_cannot_finish(app, db_session, make_item,
                                                                                 worker_mode):  # fmt: skip
    (entry,) = attach(db_session, make_item(), ("a.png", samples.png_bytes()))
    media_id = entry.media.id
    lost = jobs.claim_job(app)  # a worker claims it, then dies
    assert lost.attempt == 1 and jobs.claim_job(app) is None  # its lease still holds
    db_session.rollback()
    db_session.execute(update(MediaJob).values(lease_until=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert jobs.run_pending(app) == {"done": 1}
    job = job_of(db_session, media_id)
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    assert jobs.run_claimed(lost) is None  # the first worker wakes up: its result is not recorded
    assert job_of(db_session, media_id).attempts == 2


def test_a_job_whose_worker_always_dies_fails_after_the_last_attempt(app, db_session, make_item, login_as,
                                                                     worker_mode):  # fmt: skip
    client, user = login_as("archivist")
    item = make_item(user=user)
    (entry,) = attach(db_session, item, ("a.png", samples.png_bytes()))
    db_session.execute(update(MediaJob).values(state="running", attempts=app.config["MEDIA_JOB_MAX_ATTEMPTS"],
                                               lease_until=utcnow() - timedelta(seconds=1)))  # fmt: skip
    db_session.commit()
    assert jobs.run_pending(app) == {}
    job = job_of(db_session, entry.media.id)
    assert (job.state, job.error_code) == (JobState.FAILED, "abandoned")
    assert "stopped 3 times" in client.get(f"/staff/items/{item.id}?lang=en").get_data(True)


def test_threads_claiming_at_once_never_take_one_job_twice(app, db_session, make_item, worker_mode):
    queued = queue_files(db_session, make_item(), 12)
    db_session.remove()
    claimed, errors, start = [], [], threading.Barrier(4)

    def claim_all():
        try:
            with app.app_context():  # each thread: its own sessions and connections
                start.wait(timeout=30)
                while (claim := jobs.claim_job(app)) is not None:
                    claimed.append(claim.job_id)
        except Exception:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[0]
    assert len(claimed) == len(set(claimed)) == len(queued)


def run_jobs_in_process(url: str, data_dir: str, start, results) -> None:
    """In a process of its own, with the default configuration: run jobs until none is left."""
    from app import create_app

    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir, "SECRET_KEY": "test-secret",
                          "MEDIA_JOBS": "worker"})  # fmt: skip
        with app.app_context():
            start.wait(timeout=60)
            outcomes = jobs.run_pending(app)
            db.engine.dispose()
        results.put(("ok", dict(outcomes)))
    except Exception:
        results.put(("error", traceback.format_exc()))


@pytest.mark.slow
def test_worker_processes_side_by_side_process_each_job_once(app, db_session, make_item, worker_mode,
                                                             process_context):  # fmt: skip
    queued = queue_files(db_session, make_item(), 8)
    db_session.remove()
    db.engine.dispose()
    start, results = process_context.Barrier(3), process_context.Queue()
    args = (app.config["SQLALCHEMY_DATABASE_URI"], app.config["DATA_DIR"], start, results)
    processes = [process_context.Process(target=run_jobs_in_process, args=args) for _ in range(3)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
    assert all(kind == "ok" for kind, _ in answers), answers
    assert sum(outcome.get("done", 0) for _, outcome in answers) == len(queued)
    rows = db_session.execute(select(MediaJob.state, MediaJob.attempts)).all()
    assert sorted(rows) == [(JobState.DONE, 1)] * len(queued)  # one claim each: attempts would count a second


KILLED_UPLOAD = """
import io, os, signal, sys
from app import create_app
from archive.media import Upload, attach_media
from archive.models import Item
from core.db import db
from core.storage import get_storage

# "worker": no runner thread here, which on a busy machine could claim the job between the commit and the kill.
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "DATA_DIR": sys.argv[2], "SECRET_KEY": "t",
                  "MEDIA_JOBS": "worker"})
with app.test_request_context("/", method="POST"):  # the upload request
    item = db.session.get(Item, int(sys.argv[3]))
    with open(sys.argv[4], "rb") as fh:
        attach_media(db.session, get_storage(), item.created_by, item, [Upload("scan.tif", fh)])
    db.session.commit()
    os.kill(os.getpid(), signal.SIGKILL)  # the server dies before its runner starts the job
"""


# One database in `make test` (both in `make test-all`, and bench/faults.py kills uploads on both).
@pytest.mark.one_database
@pytest.mark.slow
def test_an_upload_killed_before_processing_is_processed_later(app, db_session, make_item, client, tmp_path):
    item = make_item()
    scan = tmp_path / "scan.tif"
    scan.write_bytes(samples.multipage_tiff(2))
    item_id = item.id
    db_session.remove()
    done = subprocess.run([sys.executable, "-c", KILLED_UPLOAD, app.config["SQLALCHEMY_DATABASE_URI"],
                           app.config["DATA_DIR"], str(item_id), str(scan)], cwd=ROOT, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)  # fmt: skip
    assert done.returncode == -9, done.stderr.decode()
    (job,) = db_session.scalars(select(MediaJob)).all()
    assert job.state == JobState.QUEUED
    media_id = job.media_id
    db_session.rollback()
    # The next web process in the default mode: its first request starts the runner, which finds the job.
    app.config["MEDIA_JOBS"] = "background"
    app.config["MEDIA_JOBS_POLL_SECONDS"] = 0.2
    try:
        assert client.get("/items").status_code == 200
        deadline = time.monotonic() + 60
        while job_of(db_session, media_id).state != JobState.DONE and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        jobs.stop_background(app)
    media = db_session.get(MediaFile, media_id)
    assert job_of(db_session, media_id).state == JobState.DONE
    assert media.pages == 2 and derivative_path(media.sha256, "web", 2).is_file()


def test_background_mode_makes_previews_after_the_request(app, db_session, make_item, login_as):
    client, user = login_as("archivist")
    item = make_item(user=user)
    # From here the test only reads: its session is DEFERRED (conftest), and a read that turns
    # into a write after the runner thread committed would be refused by SQLite at once.
    app.config["MEDIA_JOBS"] = "background"
    try:
        response = upload(client, item, ("a.png", samples.png_bytes()), headers={"Accept": "application/json"})
        assert response.status_code == 201
        media_id = response.json["media"][0]
        deadline = time.monotonic() + 60
        while job_of(db_session, media_id).state != JobState.DONE and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        jobs.stop_background(app)
    assert job_of(db_session, media_id).state == JobState.DONE


def test_a_cli_import_makes_its_previews_before_returning(app, db_session, runner, make_user, tmp_path):
    make_user("admin")
    app.config["MEDIA_JOBS"] = "background"  # outside a request nothing is started: the command runs them
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.png").write_bytes(samples.png_bytes())
    (tmp_path / "items.csv").write_text("reference_code,type,title_vi,files\nJOB-1,photo,Ảnh,a.png\n", "utf-8")
    result = runner.invoke(args=["import", str(tmp_path / "items.csv"), "--files", str(tmp_path / "files")])
    assert result.exit_code == 0, result.output
    db_session.rollback()
    assert db_session.scalars(select(MediaJob.state)).all() == [JobState.DONE]


def test_the_public_page_shows_a_file_once_its_previews_exist(app, db_session, make_item, client, runner,
                                                              worker_mode):  # fmt: skip
    item = make_item()
    (entry,) = attach(db_session, item, ("a.jpg", samples.jpeg_with_exif()))
    item.status = "published"
    db_session.commit()
    web = f"/media/{entry.media.id}/web-1.jpg"
    assert web not in client.get(f"/items/{item.id}").get_data(True)  # no broken image meanwhile
    runner.invoke(args=["media", "worker", "--once"])
    assert web in client.get(f"/items/{item.id}").get_data(True)


@pytest.mark.one_database  # three decoder processes; the claim order it checks is a query test_jobs runs on both
def test_a_long_file_is_made_a_slice_at_a_time_behind_the_other_jobs(app, db_session, make_item, worker_mode):
    app.config["MEDIA_SLICE_PAGES"] = 2
    item = make_item()
    long_id = attach(db_session, item, ("long.tif", samples.multipage_tiff(3)))[0].media.id
    short_id = attach(db_session, item, ("short.png", samples.png_bytes()))[0].media.id
    order = []
    for _ in range(3):
        claim = jobs.claim_job(app)
        order.append((claim.media_id, claim.next_page))
        jobs.run_claimed(claim)
    # The long file's first slice, then the short file (it waited for one slice only), then the rest.
    assert order == [(long_id, 1), (short_id, 1), (long_id, 3)]
    assert jobs.claim_job(app) is None
    job = job_of(db_session, long_id)
    assert job.state == JobState.DONE and job.next_page == 3
    media = db_session.get(MediaFile, long_id)
    assert media.pages == 3
    for page in range(1, 4):
        assert derivative_path(media.sha256, "web", page).exists()
    assert not list(derivative_path(media.sha256, "web").parent.parent.glob(".build-*"))  # swapped in
    assert not list(derivative_path(media.sha256, "web").parent.glob("text-*"))


@pytest.mark.long
def test_inline_runs_every_slice_of_a_long_file(app, db_session, make_item):
    app.config["MEDIA_SLICE_PAGES"] = 2
    media = attach(db_session, make_item(), ("long.tif", samples.multipage_tiff(3)))[0].media
    assert job_of(db_session, media.id).state == JobState.DONE
    assert derivative_path(media.sha256, "thumb", 3).exists()


def test_recovery_removes_what_this_machines_dead_processes_left(app, db_session, make_item, worker_mode):
    """A SIGKILL mid-upload or mid-build leaves a half-saved original, upload scratch and half-built previews;
    the next runner's start removes them, and only them: never a live process's, another machine's, or the build
    folder of a long file whose job is still open."""
    import socket

    from archive.media import slice_folder
    from core.machine import process_name
    from core.storage import get_storage
    from tests.core.search.test_generations import _dead_pid

    host, dead = socket.gethostname(), _dead_pid()
    queued, done = queue_files(db_session, make_item(), 2)
    db_session.execute(update(MediaJob).where(MediaJob.media_id == done).values(state=JobState.DONE))
    db_session.commit()
    files = {media.id: media for media in db_session.scalars(select(MediaFile))}
    storage = get_storage()
    parent = derivative_path(files[queued].sha256, "web").parent.parent
    parent.mkdir(parents=True, exist_ok=True)
    gone = [storage.root / f".incoming-a1b2-{host}-{dead}", storage.root.parent / "tmp" / f"{host}-{dead}",
            parent / f".build-c3d4-{host}-{dead}", slice_folder(files[done], job_of(db_session, done).id)]  # fmt: skip
    kept = [storage.root / f".incoming-e5f6-{process_name()}", storage.root / f".incoming-a7b8-elsewhere-{dead}",
            parent / f".build-c9d0-elsewhere-{dead}", parent / f".build-e1f2-{process_name()}",
            slice_folder(files[queued], job_of(db_session, queued).id)]  # fmt: skip
    for path in gone + kept:
        if path.name.startswith(".incoming-"):
            path.write_bytes(b"half an original")
        else:
            (path / "upload-1").mkdir(parents=True, exist_ok=True)
    assert jobs.recover(app) == {"incoming": 1, "scratch": 1, "builds": 2}
    assert [path for path in gone if path.exists()] == []
    assert [path for path in kept if not path.exists()] == []
    assert jobs.recover(app) == {"incoming": 0, "scratch": 0, "builds": 0}
