"""Import jobs: a CSV (and its ZIP) uploaded on the web page or the API, imported by a worker.

The request only copies the upload into a folder of the job's own under `<data dir>/imports/`
(shared by every machine, like the files) and queues an `import_jobs` row; it answers at once,
holding the write lock for that one insert. A runner (IMPORT_JOBS: "background" thread in the web
process, "inline" after commit for the tests, "worker" for `flask imports worker`) claims the job
as archive.jobs claims media jobs — a read first, then a conditional UPDATE in a short unit (with
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL) — with a lease it renews each time it records
progress, about once a second. The import itself is archive.ingest's, in its own small units.

A job whose runner died (lease run out) or met an unexpected error is queued again after a
doubling back-off, up to IMPORT_JOB_MAX_ATTEMPTS, then dead-lettered for admins; re-running is safe
because the import skips reference codes already stored. A refusal of the upload itself (no
reference_code column, not a ZIP) fails at once with its reason. The job's folder goes when the job
ends, except a dead letter's: an admin may queue it again (`retry_dead_letter`) or discard it, and the
start-up recovery removes it IMPORT_DEAD_LETTER_DAYS after. Each process stages uploads under
`<data dir>/tmp/<host>-<pid>/`, so the start-up recovery removes only folders of its own machine's
dead processes.
"""

import logging
import shutil
import time
import uuid
import zipfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import BinaryIO

from flask import current_app, has_request_context
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update

from archive.ingest import FileSource, ImportReport, import_rows, read_rows, scan_csv, searchable_so_far
from archive.models import ImportJob, JobState
from core import background
from core.audit import record_event
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationError, VitrineError
from core.i18n import _, current_language
from core.machine import process_name, sweep_dead
from core.permissions import Permission, require
from core.storage import get_storage, refusing_a_full_disk
from core.uow import after_commit, unit

log = logging.getLogger(__name__)
MODES = ("background", "inline", "worker")
OPEN_STATES = (JobState.QUEUED, JobState.RUNNING)
CSV_NAME, ZIP_NAME, NO_FILES = "import.csv", "files.zip", "files"
COPY_CHUNK = 1024 * 1024
ORPHAN_AGE = timedelta(hours=1)


class LostLease(Exception):
    """Another runner took the job over (this one's lease ran out): stop without recording anything."""


def init_app(app) -> None:
    """Check the configured runner of import jobs."""
    if app.config["IMPORT_JOBS"] not in MODES:
        raise ValueError(f"IMPORT_JOBS must be one of {', '.join(MODES)}, not {app.config['IMPORT_JOBS']!r}")


def inbox_root(app) -> Path:
    return Path(app.config["DATA_DIR"]) / "imports"


def scratch_root(app) -> Path:
    return Path(app.config["DATA_DIR"]) / "tmp"


# --- Queueing ------------------------------------------------------------------------------


def queue_import(user_id: int, csv_upload: tuple[str, BinaryIO], zip_upload: tuple[str, BinaryIO] | None,
                 dry_run: bool, app=None) -> int:  # fmt: skip
    """Keep the uploaded CSV (and ZIP) in a folder of the job's own and queue the job; returns its id."""
    app = app or current_app
    folder = uuid.uuid4().hex
    staging = scratch_root(app) / process_name() / folder
    try:
        with refusing_a_full_disk():  # a full disk: a clear refusal, and the folder goes below
            staging.mkdir(parents=True)
            _copy(csv_upload[1], staging / CSV_NAME, app.config["MAX_UPLOAD_BYTES"], "csv")
            if not (staging / CSV_NAME).stat().st_size:
                raise ValidationError(_("The CSV file is empty."), field="csv")
            if zip_upload is not None:
                _copy(zip_upload[1], staging / ZIP_NAME, app.config["MAX_CONTENT_LENGTH"], "files")
            else:
                (staging / NO_FILES).mkdir()
        inbox = inbox_root(app) / folder
        inbox.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(inbox)  # the same file system: the job's folder appears whole
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        with unit("queue an import") as session:
            job = ImportJob(user_id=user_id, folder=folder, csv_name=csv_upload[0][:255], lang=current_language(),
                            zip_name=zip_upload[0][:255] if zip_upload else None, dry_run=dry_run)  # fmt: skip
            session.add(job)
            session.flush()
            after_commit(session, partial(_hand_over, job.id), key=f"import.job.{job.id}")
            return job.id
    except BaseException:
        shutil.rmtree(inbox, ignore_errors=True)
        raise


def _copy(stream: BinaryIO, target: Path, limit: int, field: str) -> None:
    written = 0
    with open(target, "wb") as out:
        while chunk := stream.read(COPY_CHUNK):
            written += len(chunk)
            if written > limit:
                raise ValidationError(_("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)),
                                      field=field, code="too_large")  # fmt: skip
            out.write(chunk)


def _hand_over(job_id: int) -> None:
    """After the job's row committed: run it now (inline) or wake this process's runner."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    mode = app.config["IMPORT_JOBS"]
    if mode == "inline":
        run_next_safely(app, job_id)
    elif mode == "background" and has_request_context():
        _background(app).poke()


# --- Claiming and running ------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A job this runner holds: `attempt` fences its progress and finish against a later claim."""

    job_id: int
    attempt: int
    user_id: int
    folder: str
    dry_run: bool
    lang: str


def _claimable(now):
    due = and_(ImportJob.state == JobState.QUEUED, or_(ImportJob.not_before.is_(None), ImportJob.not_before <= now))
    lost = and_(ImportJob.state == JobState.RUNNING, ImportJob.lease_until < now)
    return or_(due, lost)


def claim_job(app=None, job_id: int | None = None) -> Claim | None:
    """Take the oldest claimable job (or that one), marking it running with a lease; None if none."""
    app = app or current_app
    now = utcnow()
    with unit("import job look", write=False) as session:
        query = select(ImportJob.id).where(_claimable(now)).limit(1)
        if job_id is not None:
            query = query.where(ImportJob.id == job_id)
        if session.scalar(query) is None:  # an idle poll takes no write lock
            return None
    with unit("import job claim") as session:
        _bury_lost_jobs(session, app, now)
        query = (select(ImportJob.id, ImportJob.attempts, ImportJob.user_id, ImportJob.folder, ImportJob.dry_run,
                        ImportJob.lang)
                 .where(_claimable(now)).order_by(ImportJob.id).limit(1).with_for_update(skip_locked=True))  # fmt: skip
        if job_id is not None:
            query = query.where(ImportJob.id == job_id)
        row = session.execute(query).first()
        if row is None:
            return None
        claimed = session.execute(
            update(ImportJob)
            .where(ImportJob.id == row.id, _claimable(now))
            .values(state=JobState.RUNNING, attempts=ImportJob.attempts + 1, started_at=now, worker=process_name(),
                    lease_until=now + timedelta(seconds=app.config["IMPORT_JOB_LEASE_SECONDS"]), not_before=None)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if claimed.rowcount != 1:
            return None
        return Claim(row.id, row.attempts + 1, row.user_id, row.folder, row.dry_run, row.lang)


def _bury_lost_jobs(session, app, now) -> list[str]:
    """Jobs whose runner died on every attempt go to the dead letters; returns their folders."""
    lost = and_(ImportJob.state == JobState.RUNNING, ImportJob.lease_until < now,
                ImportJob.attempts >= app.config["IMPORT_JOB_MAX_ATTEMPTS"])  # fmt: skip
    folders = list(session.scalars(select(ImportJob.folder).where(lost)))
    if folders:
        session.execute(
            update(ImportJob).where(lost)
            .values(state=JobState.FAILED, error_code="abandoned", finished_at=now, dead_at=now, lease_until=None,
                    error_detail="the worker stopped before finishing on every attempt")
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    return folders  # their folders stay, for an admin to queue them again (see retry_dead_letter)


class _Progress:
    """Counts rows as the import takes them and records the count about once a second, renewing the lease."""

    def __init__(self, app, claim: Claim, report: ImportReport):
        self.app, self.claim, self.report = app, claim, report
        self.every = app.config["IMPORT_PROGRESS_SECONDS"]
        self.last = time.monotonic()

    def follow(self, rows):
        done = 0
        for row in rows:
            if time.monotonic() - self.last >= self.every:
                self.record(done)
            yield row
            done += 1
        self.record(done)

    def record(self, done: int, total: int | None = None) -> None:
        """Write the rows done and problems so far and extend the lease; LostLease if the job is no longer ours."""
        values = {"rows_done": done, "problems_so_far": self.report.problem_count,
                  "lease_until": utcnow() + timedelta(seconds=self.app.config["IMPORT_JOB_LEASE_SECONDS"])}  # fmt: skip
        if total is not None:
            values["rows_total"] = total
        with unit("import job progress") as session:
            if not session.execute(update(ImportJob).where(*_held(self.claim)).values(**values)
                                   .execution_options(synchronize_session=False)).rowcount:  # fmt: skip
                raise LostLease
        self.last = time.monotonic()


def _held(claim: Claim):
    return (ImportJob.id == claim.job_id, ImportJob.state == JobState.RUNNING, ImportJob.attempts == claim.attempt)


def run_claimed(claim: Claim, app=None) -> JobState | None:
    """Import the claimed job's CSV and record done (with the report) or failed; None if it lost the job."""
    app = app or current_app
    with force_locale(claim.lang):  # the report is read in the language the import was asked in
        return _run_claimed(app, claim)


def _run_claimed(app, claim: Claim) -> JobState | None:
    inbox = inbox_root(app) / claim.folder
    report = ImportReport()
    progress = _Progress(app, claim, report)
    try:
        scan = scan_csv(inbox / CSV_NAME)  # the file refused whole, naming the line, before anything is stored
        progress.record(0, total=scan.rows)
        source = _file_source(inbox)
        try:
            with open(inbox / CSV_NAME, encoding="utf-8-sig", newline="") as text:
                import_rows(get_storage(), claim.user_id, read_rows(text), source, claim.dry_run, progress.follow,
                            report, scan.repeated)  # fmt: skip
        finally:
            source.close()
    except LostLease:
        return None
    except FileNotFoundError:
        return _finish(app, claim, JobState.FAILED, "missing", _("The uploaded files of this import are gone."))
    except UnicodeDecodeError:
        return _finish(app, claim, JobState.FAILED, "refused", _("The CSV is not UTF-8 text."))
    except VitrineError as refusal:
        return _finish(app, claim, JobState.FAILED, "refused", refusal.message)
    return _finish(app, claim, JobState.DONE, report=report_data(report))


def _file_source(inbox: Path) -> FileSource:
    try:
        return FileSource(inbox / ZIP_NAME if (inbox / ZIP_NAME).exists() else inbox / NO_FILES)
    except zipfile.BadZipFile:
        raise ValidationError(_("The files are not a ZIP archive."), field="files") from None


def report_data(report: ImportReport) -> dict:
    """The final report as the API and the page show it."""
    return {"imported": report.imported, "skipped": report.skipped, "files": len(report.media),
            "problems": [asdict(problem) for problem in report.problems], "imported_count": report.imported_count,
            "skipped_count": report.skipped_count, "problem_count": report.problem_count,
            "search_mark": report.search_mark}  # fmt: skip


def report_counts(report: dict | None) -> dict:
    """How many rows a report imported, skipped and found problems in (its lists hold the first REPORT_LIMIT);
    a report written before the counts were kept counts its lists."""
    report = report or {}
    return {name: report.get(f"{key}_count", len(report.get(plural) or []))
            for name, key, plural in (("imported", "imported", "imported"), ("skipped", "skipped", "skipped"),
                                      ("problems", "problem", "problems"))}  # fmt: skip


def search_progress(job: ImportJob) -> dict | None:
    """How many of a finished import's items search finds so far, of how many (None before the end, for a
    dry run or an import of nothing): the index follows an import through its outbox once it ends."""
    total = report_counts(job.report)["imported"]
    if job.state != JobState.DONE or job.dry_run or not total:
        return None
    return {"indexed": searchable_so_far((job.report or {}).get("search_mark"), total), "total": total}


def _finish(app, claim: Claim, state: JobState, code=None, detail=None, report=None, dead=False) -> JobState | None:
    """Record the outcome if this runner still holds the job, and remove its folder; None if it was claimed again."""
    now = utcnow()
    with unit("import job finished") as session:
        result = session.execute(
            update(ImportJob).where(*_held(claim))
            .values(state=state, error_code=code, error_detail=(detail or "")[:500] or None, report=report,
                    finished_at=now, lease_until=None, dead_at=now if dead else None,
                    rows_done=ImportJob.rows_total if state == JobState.DONE else ImportJob.rows_done)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if result.rowcount != 1:
            return None
    if not dead:  # a dead letter keeps its upload, for an admin to queue it again
        shutil.rmtree(inbox_root(app) / claim.folder, ignore_errors=True)
    return state


def _retry_later(app, claim: Claim, error: Exception) -> JobState | None:
    """An unexpected error: queue the job again after a doubling back-off, or dead-letter it past the attempts."""
    detail = f"{type(error).__name__}: {error}"
    if claim.attempt >= app.config["IMPORT_JOB_MAX_ATTEMPTS"]:
        return _finish(app, claim, JobState.FAILED, "internal", detail, dead=True)
    delay = min(app.config["IMPORT_JOB_BACKOFF_SECONDS"] * 2 ** (claim.attempt - 1), 3600)
    with unit("import job retry") as session:
        session.execute(
            update(ImportJob).where(*_held(claim))
            .values(state=JobState.QUEUED, lease_until=None, not_before=utcnow() + timedelta(seconds=delay),
                    error_code="internal", error_detail=detail[:500])
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    return JobState.QUEUED


def run_next_safely(app=None, job_id: int | None = None) -> JobState | None | bool:
    """Claim and run one job, never raising; False when there was nothing to claim."""
    app = app or current_app
    claim = None
    try:
        claim = claim_job(app, job_id)
        if claim is None:
            return False
        return run_claimed(claim, app)
    except Exception as error:
        log.exception("import job %s failed", claim.job_id if claim else job_id)
        if claim is None:
            return None
        try:
            return _retry_later(app, claim, error)
        except Exception:  # the database itself is down: the lease runs out and the job is claimed again
            log.exception("could not record the failure of import job %s", claim.job_id)
            return None


def run_pending(app=None, should_stop=None) -> int:
    """Run claimable jobs until none is left; returns how many were run."""
    app = app or current_app
    count = 0
    while not (should_stop and should_stop()):
        if run_next_safely(app) is False:
            break
        count += 1
    return count


# --- Recovery ------------------------------------------------------------------------------


def recover(app=None) -> dict:
    """At a runner's start: queue again the jobs whose lease ran out (or dead-letter them past their
    attempts), and remove the staging folders this machine's dead processes left; never another's."""
    app = app or current_app
    now = utcnow()
    with unit("import jobs recovery") as session:
        buried = _bury_lost_jobs(session, app, now)
        requeued = session.execute(
            update(ImportJob).where(ImportJob.state == JobState.RUNNING, ImportJob.lease_until < now)
            .values(state=JobState.QUEUED, lease_until=None, error_code="lease_expired",
                    error_detail="the worker stopped before finishing")
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
    return {"requeued": requeued, "dead": len(buried), "cleaned": _clean_scratch(app) + _clean_inboxes(app)}


def _clean_scratch(app) -> int:
    return len(sweep_dead(scratch_root(app)))


def _clean_inboxes(app) -> int:
    """Job folders no job needs: its job ended (a crash before the folder went) or was never queued (a crash
    between the folder's arrival and its row: only folders older than ORPHAN_AGE, as the row follows at once),
    or it was dead-lettered more than IMPORT_DEAD_LETTER_DAYS ago."""
    root = inbox_root(app)
    folders = {path.name: path for path in root.iterdir()} if root.is_dir() else {}
    if not folders:
        return 0
    with unit("import job folders", write=False) as session:
        query = select(ImportJob.folder, ImportJob.state, ImportJob.dead_at).where(ImportJob.folder.in_(folders))
        jobs = {folder: (state, dead_at) for folder, state, dead_at in session.execute(query)}
    old = time.time() - ORPHAN_AGE.total_seconds()
    kept_since = _naive_utc(utcnow() - timedelta(days=app.config["IMPORT_DEAD_LETTER_DAYS"]))
    cleaned = 0
    for name, path in folders.items():
        state, dead_at = jobs.get(name, (None, None))
        if state in OPEN_STATES or (name not in jobs and path.stat().st_mtime > old):
            continue
        if dead_at is not None and _naive_utc(dead_at) > kept_since:
            continue
        shutil.rmtree(path, ignore_errors=True)
        cleaned += 1
    return cleaned


# --- Reading ---------------------------------------------------------------------------------


def get_job(session, job_id: int, user) -> ImportJob:
    """The job, for the user who started it or an admin; NotFound otherwise."""
    job = session.get(ImportJob, job_id)
    if job is None or not (job.user_id == user.id or user.role == "admin"):
        raise NotFound(_("No such import."))
    return job


def job_data(job: ImportJob) -> dict:
    """What the API answers about a job: its status, progress, errors so far and, at the end, its report."""
    error = {"code": job.error_code, "message": job.error_detail} if job.state == JobState.FAILED else None
    return {
        "id": job.id, "status": str(job.state), "dry_run": job.dry_run, "csv": job.csv_name, "zip": job.zip_name,
        "rows_total": job.rows_total, "rows_done": job.rows_done, "errors_so_far": job.problems_so_far,
        "attempts": job.attempts, "created_at": _utc_iso(job.created_at), "finished_at": _utc_iso(job.finished_at),
        "dead_letter": job.dead_at is not None, "error": error, "report": job.report, "search": search_progress(job),
    }  # fmt: skip


def _utc_iso(moment: datetime | None) -> str | None:
    # RFC 3339 wants the offset; SQLite hands back naive values, which are UTC.
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _naive_utc(moment: datetime) -> datetime:
    # SQLite hands back naive values, which are UTC; PostgreSQL aware ones.
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def can_retry(app, job: ImportJob) -> bool:
    """Whether a dead-lettered job still has its upload, so an admin may queue it again."""
    return job.dead_at is not None and (inbox_root(app) / job.folder / CSV_NAME).is_file()


def retry_dead_letter(session, job_id: int, user, app=None) -> ImportJob:
    """Queue a dead-lettered import again from its kept upload, attempts reset (admins only). Safe to
    repeat: the import skips the reference codes already stored."""
    app = app or current_app
    job = _dead_letter(session, job_id, user)
    if not can_retry(app, job):
        raise Conflict(_("The files of this import are no longer kept; send the CSV again."), code="upload_gone")
    before = {"state": str(job.state), "attempts": job.attempts}
    job.state, job.attempts, job.dead_at, job.not_before, job.finished_at = JobState.QUEUED, 0, None, None, None
    job.error_code = job.error_detail = job.report = None
    job.rows_done, job.problems_so_far, job.lease_until = 0, 0, None
    record_event(session, user, "import_job", job.id, "retry", before, {"state": str(job.state), "attempts": 0})
    after_commit(session, partial(_hand_over, job.id), key=f"import.job.{job.id}")
    return job


def discard_dead_letter(session, job_id: int, user, app=None) -> ImportJob:
    """Take a dead-lettered import off the list and delete its kept upload once committed (admins only);
    the job stays failed, with its reason."""
    app = app or current_app
    job = _dead_letter(session, job_id, user)
    job.dead_at = None
    record_event(session, user, "import_job", job.id, "discard", {"dead_letter": True}, {"dead_letter": False})
    after_commit(session, partial(shutil.rmtree, inbox_root(app) / job.folder, True))
    return job


def _dead_letter(session, job_id: int, user) -> ImportJob:
    require(user, Permission.MANAGE_JOBS, _("Only an administrator may queue again or discard an import given up."))
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(_("No such import."))
    if job.dead_at is None:
        raise Conflict(_("This import is not among those given up."), code="not_dead_letter")
    return job


def dead_letters(session, limit: int = 100) -> list[ImportJob]:
    """Jobs given up after every attempt, newest first (admins see them)."""
    query = select(ImportJob).where(ImportJob.dead_at.is_not(None)).order_by(ImportJob.dead_at.desc()).limit(limit)
    return list(session.scalars(query))


# --- The background runner -----------------------------------------------------------------


def _background(app):
    return background.runner(app, "vitrine_import_jobs_background", name="import-jobs", work=_run_pending_quietly,
                             poll_seconds=app.config["IMPORT_JOBS_POLL_SECONDS"])  # fmt: skip


def _run_pending_quietly(app, should_stop) -> None:
    if not app.extensions.get("vitrine_import_jobs_recovered"):  # once per process, at its runner's start
        app.extensions["vitrine_import_jobs_recovered"] = True
        try:
            recover(app)
        except Exception:  # the queue still works without it: claims take lost jobs over
            log.exception("recovery of import jobs failed")
    run_pending(app, should_stop=should_stop)


def stop_background(app=None) -> None:
    """Stop this process's runner thread, if it runs (tests, shutdown)."""
    running = (app or current_app).extensions.get("vitrine_import_jobs_background")
    if running is not None:
        running.stop()
