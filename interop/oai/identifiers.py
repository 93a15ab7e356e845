"""The repository identifier (set once per instance, stored) and the OAI identifiers of records built on it.

An OAI identifier is `oai:<repository identifier>:item/<id>`. The repository identifier is a domain name
(the OAI identifier guidelines' syntax), set from `VITRINE_REPOSITORY_ID` or the admin page and then stored:
it never follows the base URL, so a national database harvesting many provinces never sees two records under
one identifier, nor one record under two. Changing it once set would re-identify every record, so it is
refused unless forced from the command line.
"""

import logging
import re

from sqlalchemy import select

from core.audit import record_event
from core.db import utcnow
from core.errors import ValidationError
from core.i18n import _
from interop.oai.models import OaiRepository

log = logging.getLogger(__name__)
# The oai-identifier schema's repositoryIdentifierType: labels that begin with a letter, at least two of them.
REPOSITORY_ID = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")
MAX_LENGTH = 255
KIND = "item"
SETTINGS_ID = 1


def check_repository_id(value: str) -> str:
    """The identifier, trimmed and lower-cased, if it is a valid OAI repository identifier; else ValidationError."""
    value = (value or "").strip().lower()
    if not value:
        raise ValidationError(_("A repository identifier is required."), field="identifier")
    if len(value) > MAX_LENGTH or not REPOSITORY_ID.fullmatch(value):
        raise ValidationError(
            _("“%(value)s” is not a valid repository identifier: use a domain name such as "
              "vitrine.caobang.gov.vn (letters, digits and hyphens, each part beginning with a letter).",
              value=value[:80]),
            field="identifier",
        )  # fmt: skip
    return value


def settings(session) -> OaiRepository:
    """The repository's one settings row, made if missing."""
    row = session.get(OaiRepository, SETTINGS_ID)
    if row is None:
        row = OaiRepository(id=SETTINGS_ID)
        session.add(row)
        session.flush()
    return row


def stored_repository_id(session) -> str | None:
    """The repository identifier the database holds, or None while none is set."""
    return session.scalar(select(OaiRepository.identifier).where(OaiRepository.id == SETTINGS_ID))


def set_repository_id(session, user, value: str, force: bool = False) -> OaiRepository:
    """Store the repository identifier. Refused once one is set, unless `force` (the command line's --force):
    every OAI identifier changes with it, and harvesters see new records, the old ones never deleted."""
    value = check_repository_id(value)
    row = settings(session)
    if row.identifier == value:
        return row
    if row.identifier and not force:
        raise ValidationError(
            _("The repository identifier is already %(current)s and cannot be changed here: every record would "
              "get a new identifier in the databases that harvest this one.", current=row.identifier),
            field="identifier",
        )  # fmt: skip
    before = {"identifier": row.identifier}
    row.identifier, row.identifier_set_at = value, utcnow()
    row.identifier_set_by_id = getattr(user, "id", None)
    session.flush()
    record_event(session, user, "oai_repository", row.id, "update", before, {"identifier": value})
    return row


def adopt_configured_id(session, configured: str | None) -> str | None:
    """The stored identifier; when none is stored and `configured` (VITRINE_REPOSITORY_ID) is valid, store that
    first. A configured value that differs from the stored one is only logged: the stored one stays."""
    stored = stored_repository_id(session)
    if stored or not configured:
        if stored and configured and configured.strip().lower() != stored:
            log.warning("VITRINE_REPOSITORY_ID is %s but the repository identifier stored is %s: the stored one "
                        "stays (flask --app app oai set-id --force changes it)", configured, stored)  # fmt: skip
        return stored
    try:
        return set_repository_id(session, None, configured).identifier
    except ValidationError as error:
        log.error("VITRINE_REPOSITORY_ID is not used: %s", error.message)
        return None


def oai_identifier(repository_id: str, item_id: int) -> str:
    """The OAI identifier of an item's record."""
    return f"oai:{repository_id}:{KIND}/{item_id}"


def item_id_of(identifier: str, repository_id: str) -> int | None:
    """The item id an OAI identifier of this repository names, or None (another repository's, another kind,
    or not an id a record could have)."""
    prefix = f"oai:{repository_id}:{KIND}/"
    if not identifier.startswith(prefix):
        return None
    number = identifier[len(prefix) :]
    if not (number.isascii() and number.isdigit()) or len(number) > 10 or (len(number) > 1 and number[0] == "0"):
        return None
    value = int(number)
    return value if 0 < value <= 2_147_483_647 else None
