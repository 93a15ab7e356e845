"""Media jobs: the previews and text of uploaded files, made after the upload committed.

`attach_staged` writes a `media_jobs` row beside each new file, in the upload's unit of work.
Once that unit commits, an after-commit effect (core.uow) hands the new jobs to the runner
that MEDIA_JOBS names:

- "background" (default): a daemon thread per web process, poked after a request's commit
  and looking again every MEDIA_JOBS_POLL_SECONDS for jobs nobody ran (a process that died,
  a CLI import, a stale lease);
- "inline": right after commit, in the committing thread (the tests: deterministic);
- "worker": nothing in the app; `flask --app app media worker` runs them.

Any number of runners may work side by side. A job is claimed by a conditional UPDATE in a
short unit of its own (PostgreSQL first locks the row with SELECT … FOR UPDATE SKIP LOCKED;
SQLite's write unit takes its single write lock at BEGIN) and gets a lease as long as the
decoder's own time limit. A running job whose lease ran out lost its worker and is claimed
again, up to MEDIA_JOB_MAX_ATTEMPTS; the attempt number fences a late finish by the lost
worker. Decoding runs in archive.media's sandboxed child process, with no unit open.

A file of more than MEDIA_SLICE_PAGES pages (a 1,500-page TIFF took one 443 s job that held every
other behind it) is made a slice at a time: each claim renders the next pages into the job's build
folder beside the previews (shared, so any machine's runner goes on), then puts the job back in the
queue behind jobs that have made no slice yet; the last slice swaps the folder in. The page limit
itself (MEDIA_MAX_PAGES) refuses a longer file at upload.
"""

import logging
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from flask import current_app, has_request_context
from sqlalchemy import and_, event, func, or_, select, update

from archive.media import (
    BUILD,
    WorkerRefusal,
    build_derivatives,
    build_pages,
    derivatives_root,
    derive_timeout,
    place_built,
    record_derived,
    slice_folder,
    text_plan,
)
from archive.models import JobState, MediaFile, MediaJob
from core import background
from core.db import db, utcnow
from core.i18n import _
from core.machine import process_name, sweep_dead
from core.storage import get_storage
from core.uow import after_commit, unit

log = logging.getLogger(__name__)
MODES = ("background", "inline", "worker")
OPEN_STATES = (JobState.QUEUED, JobState.RUNNING)
# How often a worker command looks again for what dead processes left (web workers die and are replaced meanwhile).
RECOVERY_SECONDS = 600
# A long file's build folder, kept from slice to slice (archive.media.slice_folder): its job's id at the end.
SLICE_FOLDER = re.compile(re.escape(BUILD) + r"[0-9a-f]{16}-job([0-9]{1,10})")


def init_app(app) -> None:
    """Hand the jobs an upload queued to the configured runner once the upload commits."""
    # MEDIA_JOB_LEASE_MARGIN_SECONDS is added to the decoder's time limit: the database
    # work around it, a slow disk. Defaults in core.config.
    if app.config["MEDIA_JOBS"] not in MODES:
        raise ValueError(f"MEDIA_JOBS must be one of {', '.join(MODES)}, not {app.config['MEDIA_JOBS']!r}")
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _note_new_jobs):
        event.listen(session_class, "after_flush", _note_new_jobs)


def _note_new_jobs(session, _flush_context) -> None:
    for job in (obj for obj in session.new if isinstance(obj, MediaJob)):
        after_commit(session, partial(_hand_over, job.id), key=f"media.job.{job.id}")


def _hand_over(job_id: int) -> None:
    """After the upload committed: run the job now (inline) or wake this process's runner."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # no app context: a worker or a web process will find the job
        return
    mode = app.config.get("MEDIA_JOBS", "background")
    if mode == "inline":
        while run_next_safely(app, job_id) == JobState.QUEUED:  # a long file: every slice, one after the other
            pass
    elif mode == "background" and has_request_context():
        # Outside requests (CLI import, benchmarks) the command decides: a thread would be
        # cut off when it exits. The jobs stay queued for any runner.
        _background(app).poke()


# --- Claiming and running ------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A job this runner holds: `attempt` fences its finish against a later claim."""

    job_id: int
    media_id: int
    attempt: int
    read_text: bool
    next_page: int = 1


def _claimable(now):
    lost = and_(MediaJob.state == JobState.RUNNING, MediaJob.lease_until < now)
    return or_(MediaJob.state == JobState.QUEUED, lost)


def claim_job(app=None, job_id: int | None = None) -> Claim | None:
    """Take the oldest claimable job (or that one), marking it running with a lease; None if none."""
    app = app or current_app
    now = utcnow()
    if not _anything_claimable(now, job_id):  # an idle poll takes no write lock
        return None
    with unit("media job claim") as session:
        _give_up_lost_jobs(session, app, now)
        # A long file's job that made a slice already waits behind the others: it cannot hold the queue.
        query = (select(MediaJob.id, MediaJob.media_id, MediaJob.attempts, MediaJob.read_text, MediaJob.next_page,
                        MediaFile.pages)
                 .join(MediaFile).where(_claimable(now)).order_by(MediaJob.next_page > 1, MediaJob.id).limit(1)
                 .with_for_update(of=MediaJob, skip_locked=True))  # fmt: skip
        if job_id is not None:
            query = query.where(MediaJob.id == job_id)
        row = session.execute(query).first()
        if row is None:
            return None
        slice_pages = min(row.pages or 1, app.config["MEDIA_SLICE_PAGES"])
        lease = now + timedelta(seconds=derive_timeout(slice_pages) + app.config["MEDIA_JOB_LEASE_MARGIN_SECONDS"])
        # Conditional, so that even without the row lock only one claimer can win it.
        claimed = session.execute(
            update(MediaJob)
            .where(MediaJob.id == row.id, _claimable(now))
            .values(state=JobState.RUNNING, attempts=MediaJob.attempts + 1, started_at=now, lease_until=lease,
                    finished_at=None, error_code=None, error_detail=None)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if claimed.rowcount != 1:
            return None
        return Claim(job_id=row.id, media_id=row.media_id, attempt=row.attempts + 1, read_text=row.read_text,
                     next_page=row.next_page)  # fmt: skip


def _anything_claimable(now, job_id: int | None) -> bool:
    with unit("media job look", write=False) as session:
        query = select(MediaJob.id).where(_claimable(now)).limit(1)
        if job_id is not None:
            query = query.where(MediaJob.id == job_id)
        return session.scalar(query) is not None


def _give_up_lost_jobs(session, app, now) -> None:
    """Jobs whose worker died on every attempt fail: the file may be what kills it."""
    session.execute(
        update(MediaJob)
        .where(MediaJob.state == JobState.RUNNING, MediaJob.lease_until < now,
               MediaJob.attempts >= app.config["MEDIA_JOB_MAX_ATTEMPTS"])
        .values(state=JobState.FAILED, error_code="abandoned", finished_at=now, lease_until=None,
                error_detail="the worker stopped before finishing on every attempt")
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def _finish(session, claim: Claim, state: JobState, code: str | None = None, detail: str | None = None) -> bool:
    """Record the outcome if this runner still holds the job; False if it was claimed again."""
    result = session.execute(
        update(MediaJob)
        .where(*_held(claim))
        .values(state=state, error_code=code, error_detail=detail, finished_at=utcnow(), lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _held(claim: Claim):
    # The slice too: attempts start again at each slice, so they alone would not fence a lost slice's worker.
    return (MediaJob.id == claim.job_id, MediaJob.state == JobState.RUNNING, MediaJob.attempts == claim.attempt,
            MediaJob.next_page == claim.next_page)  # fmt: skip


def run_claimed(claim: Claim) -> JobState | None:
    """Make the claimed job's previews and text, then record done or failed; None if it lost the job."""
    with unit("media job plan", write=False) as session:
        media = session.get(MediaFile, claim.media_id)
        if media is None:  # the file was taken off its item meanwhile: the job went with it
            return None
        wants_ocr, ocr = text_plan(media, claim.read_text)
        session.expunge(media)  # keeps its loaded columns; no transaction stays open while decoding
    try:
        if (media.pages or 1) > current_app.config["MEDIA_SLICE_PAGES"]:
            answer = _run_slice(claim, media, ocr)
            if answer is None or isinstance(answer, JobState):
                return answer
        else:
            answer = build_derivatives(get_storage(), media, ocr, claim.read_text)
    except WorkerRefusal as refusal:
        log.warning("media job %s: no derivatives for %s: %s %s", claim.job_id, media.sha256, refusal.code,
                    refusal.detail)  # fmt: skip
        return _record_failure(claim, refusal.code, refusal.detail)
    with unit("media job done") as session:
        if not _finish(session, claim, JobState.DONE):
            return None  # a later claim owns the job: its result is the one recorded
        media = session.get(MediaFile, claim.media_id)
        if media is not None:
            record_derived(media, answer, claim.read_text, wants_ocr, ocr)
    return JobState.DONE


def _run_slice(claim: Claim, media: MediaFile, ocr: str | None) -> dict | JobState | None:
    """One slice of a long file's pages into its job's build folder; the whole answer once the last is made.

    Until then the job goes back to the queue (QUEUED) behind the others, its next slice for any runner.
    """
    pages, first = media.pages, claim.next_page
    last = min(first + current_app.config["MEDIA_SLICE_PAGES"] - 1, pages)
    work = slice_folder(media, claim.job_id)
    source_file = work / "text-source"
    had_source = source_file.read_text() if source_file.exists() else None
    # A PDF's own text (read with the first slice) makes reading later pages by OCR needless.
    try:
        answer = build_pages(get_storage(), media, None if had_source == "pdf" else ocr, claim.read_text, work, first,
                             last)  # fmt: skip
    except WorkerRefusal:  # the job fails: nothing half-built stays
        shutil.rmtree(work, ignore_errors=True)
        raise
    (work / f"text-{first:06d}.txt").write_text(answer["text"] or "", encoding="utf-8")
    if answer["text_source"] and not had_source:
        source_file.write_text(answer["text_source"])
    if last < pages:
        with unit("media job slice made") as session:
            moved = session.execute(
                update(MediaJob).where(*_held(claim))
                .values(state=JobState.QUEUED, next_page=last + 1, attempts=0, lease_until=None)
                .execution_options(synchronize_session=False)
            ).rowcount  # fmt: skip
        return JobState.QUEUED if moved else None
    parts = sorted(work.glob("text-0*.txt"))
    text = "\f".join(part.read_text(encoding="utf-8") for part in parts).strip("\f\n ")
    source = source_file.read_text() if source_file.exists() else None
    for leftover in [*parts, source_file]:  # the folder becomes the previews: no notes of ours in it
        leftover.unlink(missing_ok=True)
    place_built(media, work)
    return {"pages": pages, "text": text, "text_source": source if text.strip() else None}


def _record_failure(claim: Claim, code: str, detail: str = "") -> JobState | None:
    with unit("media job failed") as session:
        if not _finish(session, claim, JobState.FAILED, code, (detail or "")[:500] or None):
            return None
    return JobState.FAILED


def run_next_safely(app=None, job_id: int | None = None) -> JobState | None | bool:
    """Claim and run one job, never raising; False when there was nothing to claim."""
    app = app or current_app
    claim = None
    try:
        claim = claim_job(app, job_id)
        if claim is None:
            return False
        return run_claimed(claim)
    except Exception as error:
        log.exception("media job %s failed", claim.job_id if claim else job_id)
        if claim is None:
            return None
        try:
            return _record_failure(claim, "internal", f"{type(error).__name__}: {error}")
        except Exception:  # the database itself is down: the lease will run out and it is retried
            log.exception("could not record the failure of media job %s", claim.job_id)
            return None


def run_pending(app=None, on_job=None, should_stop=None) -> Counter:
    """Run claimable jobs until none is left; counts outcomes ("done", "failed", "lost")."""
    app = app or current_app
    outcomes = Counter()
    while not (should_stop and should_stop()):
        outcome = run_next_safely(app)
        if outcome is False:
            break
        outcomes[str(outcome) if outcome else "lost"] += 1
        if on_job:
            on_job(outcome)
    return outcomes


def open_job_count(session) -> int:
    """Jobs queued or running, whoever runs them."""
    return session.scalar(select(func.count()).select_from(MediaJob).where(MediaJob.state.in_(OPEN_STATES)))


def retry_failed(session) -> int:
    """Queue every failed job again, with its attempts reset; returns how many."""
    result = session.execute(
        update(MediaJob)
        .where(MediaJob.state == JobState.FAILED)
        .values(state=JobState.QUEUED, attempts=0, lease_until=None, finished_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- Recovery ------------------------------------------------------------------------------


def recover(app=None) -> dict:
    """At a runner's start: remove what this machine's dead processes left half-done — files half-saved into
    storage, preview sets half-built, upload scratch — and the build folders of long files whose job is no longer
    open (whoever ran it: the database says). A lost job itself needs nothing: once its lease runs out it is
    claimed again. Never another machine's or a running process's work. Counts what was removed."""
    app = app or current_app
    storage = get_storage()
    scratch = storage.root.parent / "tmp"
    removed = {"incoming": len(storage.clean_incoming()), "scratch": len(sweep_dead(scratch)), "builds": 0}
    slices: dict[int, Path] = {}
    root = derivatives_root()
    for parent in root.iterdir() if root.is_dir() else ():
        if parent.is_dir() and not parent.is_symlink():
            removed["builds"] += len(sweep_dead(parent, BUILD))
            for folder in parent.glob(f"{BUILD}*"):
                if match := SLICE_FOLDER.fullmatch(folder.name):
                    slices[int(match.group(1))] = folder
    if slices:
        with unit("media build folders", write=False) as session:
            query = select(MediaJob.id).where(MediaJob.id.in_(slices), MediaJob.state.in_(OPEN_STATES))
            still_open = set(session.scalars(query))
        for job_id, folder in slices.items():
            if job_id not in still_open:
                shutil.rmtree(folder, ignore_errors=True)
                removed["builds"] += 1
    if any(removed.values()):
        log.warning("recovery by %s removed what stopped processes left: %s", process_name(), removed)
    return removed


# --- What the pages say --------------------------------------------------------------------


def job_message(job: MediaJob | None) -> str | None:
    """Why a failed job made no previews, in the reader's language; None unless it failed."""
    if job is None or job.state != JobState.FAILED:
        return None
    code = job.error_code
    if code == "timeout":
        return _("Making its previews took longer than the time limit.")
    if code in ("crashed", "too_large_to_decode"):
        return _("Making its previews needed more memory than the server allows.")
    if code == "abandoned":
        return _("The worker making its previews stopped %(count)s times; the file may be too heavy for this "
                 "server.", count=job.attempts)  # fmt: skip
    if code == "internal":
        return _("An unexpected error stopped the making of its previews; the server log has the details.")
    return _("The file could not be read to make its previews.")


@dataclass(frozen=True)
class PreviewState:
    """What the item page says of one file's previews."""

    pending: bool = False
    error: str | None = None

    @property
    def ready(self) -> bool:
        return not (self.pending or self.error)


def preview_states(media_files) -> dict[int, PreviewState]:
    """Per file id: previews still being made, failed (with the reason), or ready."""
    states = {}
    for media in media_files:
        job = media.latest_job
        states[media.id] = PreviewState(pending=bool(job and job.state in OPEN_STATES), error=job_message(job))
    return states


def upload_message(media_files) -> str:
    """What an upload's answer says: the files were added, and whether previews are still to come."""
    count = len(media_files)
    if any(media.latest_job and media.latest_job.state in OPEN_STATES for media in media_files):
        return _("%(count)s file(s) accepted; their previews are queued and appear on the item's page when "
                 "ready.", count=count)  # fmt: skip
    return _("%(count)s file(s) added.", count=count)


def upload_problems(media_files) -> list[str]:
    """A sentence per file whose previews already failed (the inline runner reports at once)."""
    return [_("No preview could be made of %(name)s: %(reason)s", name=media.original_name, reason=message)
            for media in media_files if (message := job_message(media.latest_job))]  # fmt: skip


# --- The background runner -----------------------------------------------------------------


def _background(app):
    return background.runner(app, "vitrine_media_jobs_background", name="media-jobs", work=_run_pending_quietly,
                             poll_seconds=app.config["MEDIA_JOBS_POLL_SECONDS"])  # fmt: skip


def _run_pending_quietly(app, should_stop) -> None:
    if not app.extensions.get("vitrine_media_jobs_recovered"):  # once per process, at its runner's start
        app.extensions["vitrine_media_jobs_recovered"] = True
        try:
            recover(app)
        except Exception:
            log.exception("recovery of media jobs' leftovers failed")
    run_pending(app, should_stop=should_stop)


def start_background(app=None) -> None:
    """Start this process's runner thread when MEDIA_JOBS is "background" (the first request does)."""
    app = app or current_app
    if app.config.get("MEDIA_JOBS") == "background":
        _background(app).start()


def stop_background(app=None) -> None:
    """Stop this process's runner thread, if it runs (tests, shutdown)."""
    app = app or current_app
    running = app.extensions.get("vitrine_media_jobs_background")
    if running is not None:
        running.stop()
