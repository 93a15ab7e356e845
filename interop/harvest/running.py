"""Running a harvest: claim (or resume) a run of one source, ask Identify, read the ListRecords pages one after
the other, and store each page's records with the run's progress in one unit of work.

- Incremental: a new run asks `from` the responseDate of the source's last complete run, written in the
  source's own granularity (Identify), never from this server's clock; the first run asks everything.
- Resumable: the resumption token of the next page is written with each page, so a run stopped between pages
  (an error, a crash, a killed process whose lease ran out) goes on at that page. A token the source no longer
  knows (badResumptionToken) starts the list again from the run's own `from`: pages are stored idempotently.
- Safe: every answer through interop.harvest.fetching; a token that repeats, or more pages than
  HARVEST_MAX_PAGES, ends the run with an error; a record that cannot be read or stored is logged and skipped.

Nothing waits on the network with a unit open: images are fetched and probed between units.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from archive.harvested import HarvestedRecord, HarvestRefusal, Matcher, held_records, needs_storing, store_record
from archive.models import SourceRepository
from core.db import utcnow
from core.errors import VitrineError
from core.storage import get_storage
from core.uow import attempt, collected_effects, unit
from interop.harvest import protocol
from interop.harvest.fetching import Fetcher, FetchError, Limits, host_of
from interop.harvest.images import fetch_image
from interop.harvest.mapping import harvested_record, image_candidates
from interop.harvest.models import HarvestRun, RunState
from interop.harvest.protocol import BadRecord
from interop.harvest.services import image_service

log = logging.getLogger(__name__)
PROBLEMS_KEPT = 100
# Failures after which the next run goes on where this one stopped; any other failure starts afresh.
RESUMABLE = frozenset({"network", "too_slow", "crashed"})


class AlreadyRunning(Exception):
    """Another process holds a live lease on a run of this source."""


class LostLease(Exception):
    """Another process took this run over (its lease had run out): this one stops without writing."""


@dataclass(frozen=True)
class Progress:
    """Where a run stands after a page: for the command's progress lines."""

    source: str
    pages: int
    records: int
    complete_list_size: int | None
    added: int
    updated: int
    deleted: int
    skipped: int


@dataclass
class _Claim:
    run_id: int
    repository_id: int
    name: str
    base_url: str
    set_spec: str | None
    image_hosts: list
    token: str | None
    from_date: str | None
    pages: int


def harvest(
    repository_id: int,
    run_id: int | None = None,
    user_id: int | None = None,
    on_page: Callable[[Progress], None] | None = None,
    fetcher: Fetcher | None = None,
) -> HarvestRun:
    """Harvest one source now, resuming its stopped run if it has one; returns the run as it ended.

    AlreadyRunning if another process is harvesting it.
    """
    claim = _claim(repository_id, run_id, user_id)
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(claim.base_url, Limits.from_config(current_app.config), claim.image_hosts)
    try:
        with collected_effects():  # the index and previews updated once, at the end
            _run(claim, fetcher, on_page)
    except FetchError as failure:
        state = RunState.INTERRUPTED if failure.code in RESUMABLE else RunState.FAILED
        log.warning("harvest of %s stopped: %s", claim.name, failure)
        try:
            _finish(claim, state, failure.code, failure.detail)
        except LostLease:
            log.warning("harvest of %s taken over by another process", claim.name)
    except LostLease:
        log.warning("harvest of %s taken over by another process", claim.name)
    except BaseException as crash:
        # A crash between pages leaves the run where its last page put it; the next run goes on from there.
        try:
            _finish(claim, RunState.INTERRUPTED, "crashed", repr(crash)[:300])
        except Exception:  # the database itself may be what failed: the lease runs out instead
            log.exception("could not record the interrupted harvest of %s", claim.name)
        raise
    finally:
        if own_fetcher:
            fetcher.close()
    with unit("harvest outcome", write=False) as session:
        query = select(HarvestRun).options(joinedload(HarvestRun.repository)).where(HarvestRun.id == claim.run_id)
        return session.scalar(query)


# --- Claiming ------------------------------------------------------------------------------


def _claim(repository_id: int, run_id: int | None, user_id: int | None) -> _Claim:
    """Take this source's run: the stopped one to resume, else the one asked for (queued), else a new one."""
    now = utcnow()
    with unit("harvest claim") as session:
        query = select(SourceRepository).where(SourceRepository.id == repository_id).with_for_update()
        repository = session.scalar(query)
        if repository is None:
            raise LookupError(f"no source repository {repository_id}")
        open_states = (RunState.QUEUED, RunState.RUNNING, RunState.INTERRUPTED)
        query = select(HarvestRun).where(HarvestRun.repository_id == repository_id, HarvestRun.state.in_(open_states))
        runs = list(session.scalars(query.order_by(HarvestRun.id)))
        if any(lease_is_live(r, now) for r in runs):
            raise AlreadyRunning(repository.name)
        stopped = [r for r in runs if r.state in (RunState.RUNNING, RunState.INTERRUPTED)]
        queued = [r for r in runs if r.state == RunState.QUEUED]
        run = (stopped[-1] if stopped else None) or next((r for r in queued if r.id == run_id), None) or (
            queued[0] if queued else None)  # fmt: skip
        for other in runs:  # the asks it answers, and older stopped runs it supersedes
            if other is run:
                continue
            if other.state == RunState.QUEUED:
                session.delete(other)
            else:
                _supersede(other, now)
        if run is None:
            run = HarvestRun(repository=repository, requested_by_id=user_id)
            session.add(run)
        run.state, run.lease_until = RunState.RUNNING, now + _lease()
        run.started_at = run.started_at or now
        run.finished_at, run.error_code, run.error_detail = None, None, None
        session.flush()
        return _Claim(run.id, repository.id, repository.name, repository.base_url, repository.set_spec,
                      list(repository.image_hosts or []), run.resumption_token, run.from_date, run.pages)  # fmt: skip


def _supersede(run: HarvestRun, now) -> None:
    run.state, run.finished_at, run.lease_until = RunState.FAILED, now, None
    run.error_code = run.error_code or "superseded"


def lease_is_live(run: HarvestRun, now=None) -> bool:
    """Whether a running run's process still holds it (its lease has not run out)."""
    if run.state != RunState.RUNNING or run.lease_until is None:
        return False
    until = run.lease_until if run.lease_until.tzinfo else run.lease_until.replace(tzinfo=UTC)  # SQLite: naive UTC
    return until > (now or utcnow())


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["HARVEST_LEASE_SECONDS"])


# --- The run -------------------------------------------------------------------------------


def _run(claim: _Claim, fetcher: Fetcher, on_page) -> None:
    identity = protocol.identify(fetcher.oai({"verb": "Identify"}).body)
    _record_identity(claim, identity)
    seen_tokens: set[str] = set()
    restarted = False
    while True:
        params = ({"verb": "ListRecords", "resumptionToken": claim.token} if claim.token
                  else _first_request(claim))  # fmt: skip
        try:
            page = protocol.list_records(fetcher.oai(params).body, current_app.config["HARVEST_MAX_RECORD_BYTES"])
        except FetchError as failure:
            if failure.code == "oai:badResumptionToken" and claim.token and not restarted:
                log.info("harvest of %s: token expired; listing again from %s", claim.name, claim.from_date)
                claim.token, restarted = None, True
                _restart(claim)
                continue
            raise
        _check_token(claim, page.token, seen_tokens)
        records, problems, images = _prepare(claim, page.records, fetcher)
        progress = _store_page(claim, page, records, problems, images)
        if on_page:
            on_page(progress)
        if page.token is None:
            _finish(claim, RunState.COMPLETE)
            return
        if claim.token:
            seen_tokens.add(claim.token)
        claim.token = page.token


def _first_request(claim: _Claim) -> dict:
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    if claim.from_date:
        params["from"] = claim.from_date
    if claim.set_spec:
        params["set"] = claim.set_spec
    return params


def _check_token(claim: _Claim, token: str | None, seen: set[str]) -> None:
    """An endless list: the token just sent (or one sent before) back again, or more pages than allowed."""
    if token is None:
        return
    if token == claim.token or token in seen:
        raise FetchError("endless_token", token[:200])
    if claim.pages + 1 >= current_app.config["HARVEST_MAX_PAGES"]:
        raise FetchError("too_many_pages", str(claim.pages + 1))


def _record_identity(claim: _Claim, identity: protocol.Identity) -> None:
    """Keep what the source says of itself; a new run's `from` is the last complete run's responseDate."""
    with unit("harvest identify") as session:
        repository = session.get(SourceRepository, claim.repository_id)
        repository.granularity = identity.granularity
        repository.repository_name = identity.repository_name or repository.repository_name
        # Read once and kept: the reference codes of the source's items are qualified by it.
        repository.repository_identifier = (repository.repository_identifier or identity.repository_identifier
                                            or host_of(repository.base_url))  # fmt: skip
        run = _fenced(session, claim)
        if run.pages == 0 and not run.resumption_token:  # its list not begun: it starts where the last ended
            run.from_date = claim.from_date = _next_from(session, repository)


def _next_from(session, repository: SourceRepository) -> str | None:
    last = session.scalar(select(HarvestRun.response_date).where(
        HarvestRun.repository_id == repository.id, HarvestRun.state == RunState.COMPLETE,
        HarvestRun.response_date.is_not(None)).order_by(HarvestRun.id.desc()).limit(1))  # fmt: skip
    return protocol.from_argument(last, repository.granularity) if last else None


def _restart(claim: _Claim) -> None:
    with unit("harvest restart") as session:
        run = _fenced(session, claim)
        run.resumption_token, run.response_date = None, None


def _prepare(claim: _Claim, page_records: list, fetcher: Fetcher) -> tuple[list, list, int]:
    """The page's records as the archive takes them, their images fetched and stored: no unit open meanwhile."""
    problems, records = [], []
    with unit("harvest plan", write=False) as session:
        repository = session.get(SourceRepository, claim.repository_id)
        default_lang = repository.default_lang
        readable = [r for r in page_records if not isinstance(r, BadRecord)]
        held = held_records(session, [r.identifier for r in readable])
    for raw in page_records:
        if isinstance(raw, BadRecord):
            problems.append(_problem(raw.identifier, raw.code, raw.detail))
            continue
        try:
            records.append((raw, harvested_record(raw, default_lang)))
        except Exception as error:  # a record the mapping cannot read: skipped, the page goes on
            log.exception("harvest of %s: record %s unreadable", claim.name, raw.identifier)
            problems.append(_problem(raw.identifier, "unreadable", type(error).__name__))
    images, renewed = 0, time.monotonic()
    fetch = current_app.config["HARVEST_FETCH_IMAGES"]
    for raw, record in records:
        if time.monotonic() - renewed > _lease().total_seconds() / 3:  # a page of slow images keeps its lease
            _renew_lease(claim)
            renewed = time.monotonic()
        if fetch and needs_storing(held.get(record.oai_identifier), record) and not record.deleted:
            candidates = image_candidates(raw, current_app.config["HARVEST_IMAGE_CANDIDATES"])
            record.image, problem = fetch_image(fetcher, get_storage(), candidates) if candidates else (None, None)
            images += record.image is not None
            if record.image and record.source_url == record.image.url:
                record.source_url = None
            if problem:
                problems.append(_problem(record.oai_identifier, "image", problem))
            if record.manifest_url:  # its image service at the source, for deep zoom; a bad manifest only logged
                record.image_service, record.manifest_read = image_service(fetcher, record.manifest_url), True
    return [record for _raw, record in records], problems, images


def _renew_lease(claim: _Claim) -> None:
    with unit("harvest lease") as session:
        _fenced(session, claim).lease_until = utcnow() + _lease()


def _problem(identifier: str, code: str, detail: str = "") -> dict:
    """A record skipped, or an image not kept: a code and a detail, said in words where shown (errors.py)."""
    return {"identifier": identifier[:255], "code": code, "detail": (detail or "")[:500]}


def _store_page(
    claim: _Claim, page: protocol.RecordsPage, records: list[HarvestedRecord], problems: list[dict], images: int
) -> Progress:
    """One unit: the page's records (each in a savepoint: one that fails is skipped) and the run's progress."""
    with unit("harvest page") as session:
        run = _fenced(session, claim)
        repository = run.repository
        matcher = Matcher(session)
        counts = {"added": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        skipped = [p for p in problems if p["code"] != "image"]  # a record without its image is still stored
        for record in records:
            try:
                with attempt(session):
                    counts[store_record(session, repository, record, matcher)] += 1
            except HarvestRefusal as refused:
                skipped.append(_problem(record.oai_identifier, refused.code, refused.detail))
            except (VitrineError, SQLAlchemyError) as failure:
                detail = getattr(failure, "message", None) or type(failure).__name__
                skipped.append(_problem(record.oai_identifier, "not_stored", detail))
            else:
                continue
            log.warning("harvest of %s: record %s skipped: %s", claim.name, record.oai_identifier, skipped[-1])
            problems.append(skipped[-1])
        for name, count in counts.items():
            setattr(run, name, getattr(run, name) + count)
        run.skipped += len(skipped)
        run.images += images
        run.problems = (list(run.problems or []) + problems)[:PROBLEMS_KEPT]
        run.pages += 1
        run.response_date = run.response_date or page.response_date
        run.resumption_token = page.token
        run.complete_list_size = page.complete_list_size or run.complete_list_size
        run.lease_until = utcnow() + _lease()
        claim.pages = run.pages
        return Progress(claim.name, run.pages, run.records, run.complete_list_size, run.added, run.updated,
                        run.deleted, run.skipped)  # fmt: skip


def _fenced(session, claim: _Claim) -> HarvestRun:
    """The run, still this process's: running, and at the page count this process left it."""
    run = session.get(HarvestRun, claim.run_id)
    if run is None or run.state != RunState.RUNNING or run.pages != claim.pages:
        raise LostLease(claim.run_id)
    return run


def _finish(claim: _Claim, state: RunState, code: str | None = None, detail: str = "") -> None:
    with unit("harvest end") as session:
        run = _fenced(session, claim)
        run.state, run.finished_at, run.lease_until = state, utcnow(), None
        run.error_code, run.error_detail = code, (detail or None) and detail[:1000]
        if state == RunState.FAILED:
            run.resumption_token = None  # a refused list is never resumed: the next run starts afresh
