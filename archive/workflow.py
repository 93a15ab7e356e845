"""Review workflow: draft → review → published → withdrawn, and who may move an item.

Withdrawing is the takedown: a reason is required, and from that commit the item is gone from every public
surface (pages and files answer 410, search, OAI-PMH, IIIF, exhibitions live and archived show a placeholder,
publications are rebuilt). An admin undoes it with `reinstate` (published again, with a reason, audited alike);
`restore` takes it back to draft instead, to be reviewed again.
"""

from dataclasses import dataclass
from datetime import datetime

from archive.models import Item, ItemStatus
from archive.services import check_version, flush_checked, harvested_refusal, snapshot, status_label
from core.audit import last_event, record_event
from core.auth import User
from core.errors import Forbidden, ValidationError
from core.events import item_status_changed
from core.i18n import _, _l
from core.languages import REFERENCE_LANGUAGE
from core.permissions import Permission, can


@dataclass(frozen=True)
class Transition:
    """A move from one status to another, who may make it, and whether it needs a comment."""

    name: str
    label: object
    sources: tuple
    target: ItemStatus
    permission: Permission
    needs_comment: bool = False


SUBMIT, PUBLISH, TAKE_DOWN = Permission.SUBMIT_ITEMS, Permission.PUBLISH_ITEMS, Permission.TAKE_DOWN
TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", _l("Submit for review"), (ItemStatus.DRAFT,), ItemStatus.REVIEW, SUBMIT),
        Transition("publish", _l("Publish"), (ItemStatus.REVIEW,), ItemStatus.PUBLISHED, PUBLISH),
        Transition("send_back", _l("Send back"), (ItemStatus.REVIEW,), ItemStatus.DRAFT, PUBLISH, True),
        Transition("withdraw", _l("Withdraw"), (ItemStatus.PUBLISHED,), ItemStatus.WITHDRAWN, PUBLISH, True),
        Transition(
            "reinstate", _l("Undo the takedown"), (ItemStatus.WITHDRAWN,), ItemStatus.PUBLISHED, TAKE_DOWN, True
        ),
        Transition("restore", _l("Back to draft"), (ItemStatus.WITHDRAWN,), ItemStatus.DRAFT, PUBLISH),
    )
}
# The audit actions that take an item down: a person's withdrawal, or its source's deletion of a harvested record.
TAKEDOWN_ACTIONS = ("withdraw", "harvest_withdraw")
# The moves people may make on a harvested item, read-only otherwise: its source decides what it says, but this
# archive decides what it shows (archive.harvested keeps a person's takedown through later harvests).
TAKEDOWN_MOVES = ("withdraw", "reinstate")


@dataclass(frozen=True)
class Takedown:
    """Who took an item or an exhibition down from public view, when, and why, as its audit event says."""

    at: datetime
    by: str | None  # the person's email; None for a harvest following its source
    reason: str | None
    action: str


def takedown_of(session, item: Item) -> Takedown | None:
    """The takedown a withdrawn item is under (its last withdrawal's audit event); None unless it is withdrawn."""
    if item.status != ItemStatus.WITHDRAWN:
        return None
    event = last_event(session, "item", item.id, TAKEDOWN_ACTIONS)
    if event is None:  # withdrawn before its history was kept
        return None
    return Takedown(event.at, event.user.email if event.user else None, event.comment, event.action)


def available_transitions(user: User, item: Item) -> list[Transition]:
    """The moves this user may make on this item now: on a harvested item (its source decides) only a takedown and
    its undoing."""
    harvested = harvested_refusal(item) is not None
    return [t for t in TRANSITIONS.values() if item.status in t.sources and can(user, t.permission)
            and (t.name in TAKEDOWN_MOVES or not harvested)]  # fmt: skip


def apply_transition(session, user: User, item: Item, name: str, comment: str | None = None,
                     expected_version=None) -> Item:  # fmt: skip
    """Move the item; Forbidden or ValidationError say why a move is refused."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError(_("Unknown action: %(action)s.", action=name), field="action")
    if not can(user, transition.permission):
        raise Forbidden(_("Your role may not do this: %(action)s.", action=transition.label), field="action")
    if (refusal := harvested_refusal(item)) and name not in TAKEDOWN_MOVES:
        raise Forbidden(refusal, field="status")
    if item.status not in transition.sources:
        raise ValidationError(
            _("An item that is %(status)s cannot be moved this way: %(action)s.",
              status=status_label(item.status), action=transition.label),
            field="status",
        )  # fmt: skip
    check_version(item, expected_version)
    comment = (comment or "").strip() or None
    if transition.needs_comment and not comment:
        raise ValidationError(_("Say why in a comment."), field="comment")
    if comment and len(comment) > 5000:
        raise ValidationError(_("The comment is too long (at most 5000 characters)."), field="comment")
    if transition.target in (ItemStatus.REVIEW, ItemStatus.PUBLISHED):
        _require_reference_text(item)
    before = snapshot(item)
    item.status = transition.target
    item.updated_by = user
    flush_checked(session)
    record_event(session, user, "item", item.id, name, before, snapshot(item), comment=comment)
    item_status_changed.send(session, item_id=item.id, before=before["status"], after=str(item.status))
    return item


def _require_reference_text(item: Item) -> None:
    text = item.text_for(REFERENCE_LANGUAGE)
    if text is None or not text.title:
        raise ValidationError(
            _("A Vietnamese title is required before review."), field=f"texts.{REFERENCE_LANGUAGE}.title"
        )


def event_label(action: str) -> str:
    """The name of an audit action in the reader's language."""
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return {"create": _("Created"), "update": _("Edited"), "harvest": _("Harvested"),
            "harvest_withdraw": _("Deleted at its source")}.get(action, action)  # fmt: skip


def taken_down_here(session, item: Item) -> bool:
    """Whether a person's takedown holds the item: withdrawn by someone here and not reinstated since (a harvest
    then leaves it withdrawn, whatever its source says)."""
    if item.status != ItemStatus.WITHDRAWN or item.id is None:
        return False
    event = last_event(session, "item", item.id, ("withdraw", "reinstate"))
    return event is not None and event.action == "withdraw"
