"""The repositories this instance harvests: adding one, asking for its harvest, and how each stands.

Adding from the command line asks the source's Identify first (the operator waits); adding from the admin page
writes the source only, and its first harvest, run in the background, asks it. Asking for a harvest from the page
queues a run (interop.harvest.runner takes it): no request ever waits on a source.
"""

import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from sqlalchemy import func, select

from archive.models import ItemProvenance, SourceRepository
from core.audit import record_event
from core.errors import NotFound
from core.i18n import _
from core.languages import clean_tag
from core.permissions import Permission, require
from core.uow import after_commit
from core.validation import Problems
from interop.harvest.models import HarvestRun, RunState
from interop.harvest.protocol import Identity
from interop.harvest.runner import wake
from interop.harvest.running import lease_is_live

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")
# The protocol's setSpec: colon-separated parts of unreserved characters.
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
URL_LENGTH = 2000


@dataclass(frozen=True)
class SourceRow:
    """A source as the admin page and `harvest list` show it."""

    repository: SourceRepository
    last_run: HarvestRun | None
    last_complete: HarvestRun | None
    items: int
    deleted: int

    @property
    def busy(self) -> bool:
        """Whether a harvest of the source is queued, or running in a live process: asking again adds nothing."""
        last = self.last_run
        return last is not None and (last.state == RunState.QUEUED or lease_is_live(last))


def _check(user) -> None:
    require(user, Permission.MANAGE_HARVEST, _("Only an admin may add sources and start harvests."))


def validated_source(session, name: str, url: str, set_spec: str | None, default_lang: str | None, image_hosts) -> dict:
    """A new source's values checked; ValidationError lists every problem."""
    problems = Problems()
    name, url = (name or "").strip().lower(), (url or "").strip()
    if not NAME.match(name):
        problems.add("name", _("A source's name is 1 to 60 lowercase letters, digits, dots, hyphens or underscores, "
                               "such as ha-noi."))  # fmt: skip
    elif session.scalar(select(SourceRepository.id).where(SourceRepository.name == name)) is not None:
        problems.add("name", _("There is already a source named %(name)s.", name=name))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > URL_LENGTH:
        problems.add("url", _("The address of an OAI-PMH repository is an http or https URL, such as "
                              "https://example.org/oai."))  # fmt: skip
    elif parts.username or parts.password or parts.fragment:
        problems.add("url", _("The address may hold no user name, password or fragment."))
    set_spec = (set_spec or "").strip() or None
    if set_spec and (len(set_spec) > 200 or not SET_SPEC.match(set_spec)):
        problems.add("set", _("“%(set)s” is not an OAI-PMH set name.", set=set_spec))
    lang = clean_tag(default_lang) if default_lang else "und"
    if lang is None:
        problems.add("lang", _("“%(tag)s” is not a valid language tag (BCP 47).", tag=default_lang))
    hosts = [h.strip().lower() for h in image_hosts or () if h.strip()]
    for host in hosts:
        if len(host) > 253 or not HOST.match(host):
            problems.add("image_hosts", _("“%(host)s” is not a host name.", host=host))
    problems.raise_if_any()
    return {"name": name, "base_url": url, "set_spec": set_spec, "default_lang": lang,
            "image_hosts": list(dict.fromkeys(hosts))[:20]}  # fmt: skip


def add_source(session, user, values: dict, identity: Identity | None = None) -> SourceRepository:
    """Add a source from validated values (validated_source), with what its Identify said if it was asked."""
    _check(user)
    repository = SourceRepository(**values)
    if identity is not None:
        repository.repository_name = identity.repository_name
        repository.granularity = identity.granularity
        repository.repository_identifier = identity.repository_identifier or urlsplit(values["base_url"]).hostname
    session.add(repository)
    session.flush()
    record_event(session, user, "source_repository", repository.id, "create", None,
                 {**values, "repository_identifier": repository.repository_identifier})  # fmt: skip
    return repository


def get_source(session, name_or_id) -> SourceRepository:
    """The source of that name (or id), or NotFound."""
    query = select(SourceRepository)
    if isinstance(name_or_id, int):
        query = query.where(SourceRepository.id == name_or_id)
    else:
        query = query.where(SourceRepository.name == str(name_or_id).strip().lower())
    repository = session.scalar(query)
    if repository is None:
        raise NotFound(_("There is no source %(name)s.", name=name_or_id))
    return repository


def queue_harvest(session, user, repository: SourceRepository) -> HarvestRun:
    """Ask for a harvest of the source: a queued run, taken by a worker or the web process's runner once this
    unit commits. A run already queued or under way answers the ask instead."""
    _check(user)
    waiting = session.scalars(select(HarvestRun).where(
        HarvestRun.repository_id == repository.id,
        HarvestRun.state.in_((RunState.QUEUED, RunState.RUNNING))).order_by(HarvestRun.id))  # fmt: skip
    for run in waiting:
        if run.state == RunState.QUEUED or lease_is_live(run):
            return run
    run = HarvestRun(repository=repository, requested_by_id=getattr(user, "id", None), state=RunState.QUEUED)
    session.add(run)
    session.flush()
    after_commit(session, partial(wake, run.id), key="harvest.wake")
    return run


def source_rows(session) -> list[SourceRow]:
    """Every source by name, with its last run, its last complete run and the items it gave (and withdrew)."""
    repositories = list(session.scalars(select(SourceRepository).order_by(SourceRepository.name)))
    latest = select(func.max(HarvestRun.id)).group_by(HarvestRun.repository_id)
    last = _runs_by_repository(session, latest)
    complete = _runs_by_repository(session, latest.where(HarvestRun.state == RunState.COMPLETE))
    counts = {}
    for repository_id, deleted, count in session.execute(
        select(ItemProvenance.repository_id, ItemProvenance.deleted, func.count())
        .group_by(ItemProvenance.repository_id, ItemProvenance.deleted)
    ):  # fmt: skip
        counts[(repository_id, bool(deleted))] = count
    return [SourceRow(r, last.get(r.id), complete.get(r.id), counts.get((r.id, False), 0) + counts.get((r.id, True), 0),
                      counts.get((r.id, True), 0)) for r in repositories]  # fmt: skip


def _runs_by_repository(session, ids_query) -> dict[int, HarvestRun]:
    ids = list(session.scalars(ids_query))
    if not ids:
        return {}
    return {run.repository_id: run for run in session.scalars(select(HarvestRun).where(HarvestRun.id.in_(ids)))}
