"""This archive's name among others, and the identity an item carries in what is exported of it."""

import re
from dataclasses import dataclass

from sqlalchemy import exists, select

from archive.models import Item
from core.errors import ValidationError
from core.i18n import _
from core.uow import unit
from core.urls import MAX_ID
from interop.exports.models import ImportedItem
from interop.oai import current_identifier

# An OAI-PMH repositoryIdentifier: a domain name (the protocol's own syntax).
REPOSITORY_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$")
MAX_SOURCE_ID = 100


@dataclass(frozen=True)
class Identity:
    """Who first described an item and under which id: the same in every bag, whichever archive exports it."""

    repository: str
    id: str


def repository_id() -> str | None:
    """The identifier this archive is known by among others, as the OAI-PMH repository stores it (set once from
    `VITRINE_REPOSITORY_ID` or the admin page), or None while none is set."""
    with unit("repository identifier") as session:  # may store VITRINE_REPOSITORY_ID, as OAI's first use does
        return current_identifier(session)


def require_repository_id() -> str:
    """The repository identifier, or a refusal saying how to set one: an item's identity in a bag needs it."""
    found = repository_id()
    if not found:
        raise ValidationError(_("This archive has no repository identifier: set VITRINE_REPOSITORY_ID to its "
                                "domain name (for example %(example)s) first.", example="cao-bang.vitrine.vn"),
                              field="repository_id", code="no_repository_id")  # fmt: skip
    if not REPOSITORY_ID.match(found):
        raise ValidationError(_("The repository identifier %(value)s is not a domain name such as %(example)s.",
                                value=found, example="cao-bang.vitrine.vn"), field="repository_id")  # fmt: skip
    return found


def identities(session, item_ids: list[int], local: str) -> dict[int, Identity]:
    """Each item's identity: where it was imported from, else this archive (`local`) and its own id."""
    imported = session.execute(
        select(ImportedItem.item_id, ImportedItem.source_repository, ImportedItem.source_id).where(
            ImportedItem.item_id.in_(item_ids)
        )
    )
    found = {item_id: Identity(repository, source_id) for item_id, repository, source_id in imported}
    return {item_id: found.get(item_id) or Identity(local, str(item_id)) for item_id in item_ids}


def item_with_identity(session, identity: Identity, local: str) -> int | None:
    """The id of the item here that has this identity: one imported from it, or our own item it names."""
    found = session.scalar(
        select(ImportedItem.item_id).where(
            ImportedItem.source_repository == identity.repository, ImportedItem.source_id == identity.id
        )
    )
    if found is not None:
        return found
    if (
        identity.repository != local
        or not (identity.id.isascii() and identity.id.isdigit())
        or int(identity.id) > MAX_ID
    ):
        return None
    # Our own item, unless it was itself imported: then its identity is its source's, not ours.
    own = select(Item.id).where(Item.id == int(identity.id), ~exists().where(ImportedItem.item_id == Item.id))
    return session.scalar(own)
