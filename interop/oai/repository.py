"""The repository as the admin page and Identify see it: its identifier, name and contact, and the warning
staff pages show while no identifier is set."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from core.audit import record_event
from core.i18n import _
from core.validation import Problems
from interop.oai.identifiers import adopt_configured_id, set_repository_id, settings, stored_repository_id

DEFAULT_NAME = "Vitrine"
_EMAIL = re.compile(r"[^@\s]+@([^@\s.]+\.)+[^@\s.]+")
_SET = "vitrine.oai_identifier_set"


@dataclass(frozen=True)
class RepositoryInfo:
    """The repository's identity: its identifier (None while unset), name and contact addresses."""

    identifier: str | None
    name: str
    admin_emails: tuple[str, ...]
    configured: str | None  # VITRINE_REPOSITORY_ID, if any


def current_identifier(session) -> str | None:
    """The stored identifier, storing VITRINE_REPOSITORY_ID first when none is stored and it is set."""
    return adopt_configured_id(session, current_app.config.get("REPOSITORY_ID"))


def read_info(session) -> RepositoryInfo:
    """The repository's identity as stored, with the configured contact, then `admin@` its domain, as fallbacks."""
    row = settings(session)
    emails = (row.admin_email,) if row.admin_email else ()
    if not emails and current_app.config.get("OAI_ADMIN_EMAIL"):
        emails = (current_app.config["OAI_ADMIN_EMAIL"],)
    # The protocol requires one. Never the staff's own addresses: they are the names they sign in with, and
    # showing them to every harvester would tell a stranger whose account to try.
    if not emails:
        emails = (f"admin@{row.identifier or urlsplit(current_app.config['BASE_URL']).hostname or 'localhost'}",)
    return RepositoryInfo(row.identifier, row.name or DEFAULT_NAME, emails, current_app.config.get("REPOSITORY_ID"))


def update(session, user, identifier: str | None, name: str, admin_email: str) -> None:
    """Save the admin page: the identifier if none is set yet (refused if it would change one), the name and
    the contact address; ValidationError lists every problem."""
    problems = Problems()
    row = settings(session)
    name, admin_email = (name or "").strip(), (admin_email or "").strip()
    if len(name) > 255:
        problems.add("name", _("The name may have at most %(limit)s characters.", limit=255))
    if admin_email and (len(admin_email) > 254 or not _EMAIL.fullmatch(admin_email)):
        problems.add("admin_email", _("“%(value)s” is not an email address.", value=admin_email[:80]))
    if identifier and identifier.strip().lower() != (row.identifier or ""):
        problems.check(set_repository_id, session, user, identifier)
    problems.raise_if_any()
    before = {"name": row.name, "admin_email": row.admin_email}
    row.name, row.admin_email = name or None, admin_email or None
    session.flush()
    record_event(session, user, "oai_repository", row.id, "update", before,
                 {"name": row.name, "admin_email": row.admin_email})  # fmt: skip


def missing_identifier_warning(session) -> str | None:
    """What the staff pages tell admins while the repository has no identifier, or None once it has one."""
    app = current_app._get_current_object()
    if app.extensions.get(_SET):  # once set it is never unset: no query per page after that
        return None
    if stored_repository_id(session) or app.config.get("REPOSITORY_ID"):
        app.extensions[_SET] = True
        return None
    return _("The OAI-PMH repository has no identifier yet, so no database can harvest this archive: set one "
             "under Administration › OAI-PMH repository, or with VITRINE_REPOSITORY_ID.")  # fmt: skip
