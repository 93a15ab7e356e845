"""Taking an exhibition down from public view, live or archived, and undoing it: with a reason, audited.

The one change an archived exhibition takes: its status and frozen snapshot stay as they were, and `withdrawn_at`
hides it from every public surface at once — its pages, books and images answer 410 (reading.get_visible), the
lists, the sitemap, the item pages, the IIIF collection and the OAI-PMH sets leave it out (reading.shown_to_public),
its QR codes answer 410 (qr.resolve). Its built publications are forgotten once the change commits. Undone, it is
shown again exactly as before. Who did it and why are its audit events'.

A module beside `reactions`, not in a room: it changes an exhibition (composing's job) and forgets its built
publications (publications'), two rooms of one rank that may not import each other.
"""

from functools import partial

from archive.workflow import Takedown
from core.audit import last_event, record_event
from core.auth import User
from core.db import utcnow
from core.errors import ValidationError
from core.i18n import _
from core.permissions import Permission, require
from core.uow import after_commit
from core.validation import Problems, check_text
from exhibitions.composing import touch
from exhibitions.models import Exhibition, ExhibitionStatus
from exhibitions.publications import forget_built

REASON_LIMIT = 5000
ACTIONS = ("take_down", "undo_takedown")


def take_down(session, user: User, exhibition: Exhibition, reason: str | None) -> Exhibition:
    """Withdraw a published or archived exhibition from public view; `reason` is required and kept in its history."""
    require(user, Permission.TAKE_DOWN, _("Only an administrator may take an exhibition down."))
    if exhibition.taken_down:
        raise ValidationError(_("This exhibition is already withdrawn from public view."), field="status")
    if exhibition.status == ExhibitionStatus.DRAFT:
        raise ValidationError(_("A draft exhibition is not public: there is nothing to take down."), field="status")
    return _change(session, user, exhibition, _reason(reason), taken_down=True)


def undo_takedown(session, user: User, exhibition: Exhibition, reason: str | None) -> Exhibition:
    """Show a taken-down exhibition again, as it was; `reason` is required and kept in its history."""
    require(user, Permission.TAKE_DOWN, _("Only an administrator may undo a takedown."))
    if not exhibition.taken_down:
        raise ValidationError(_("This exhibition is not withdrawn from public view."), field="status")
    return _change(session, user, exhibition, _reason(reason), taken_down=False)


def _reason(reason: str | None) -> str:
    problems = Problems()
    text = check_text((reason or "").strip(), _("Reason"), "reason", problems)
    problems.raise_if_any()
    if not text:
        raise ValidationError(_("Say why in a comment."), field="reason")
    if len(text) > REASON_LIMIT:
        raise ValidationError(_("The comment is too long (at most 5000 characters)."), field="reason")
    return text


def _change(session, user: User, exhibition: Exhibition, reason: str, taken_down: bool) -> Exhibition:
    before = {"taken_down": exhibition.taken_down}
    exhibition.withdrawn_at = utcnow() if taken_down else None
    touch(exhibition)
    session.flush()
    record_event(session, user, "exhibition", exhibition.id, ACTIONS[0] if taken_down else ACTIONS[1], before,
                 {"taken_down": taken_down}, comment=reason)  # fmt: skip
    # Nothing built of it stays on disk while it is down; once it is back, the next download builds afresh.
    after_commit(session, partial(forget_built, exhibition.id), key=f"publications.forget.{exhibition.id}")
    return exhibition


def takedown_of(session, exhibition: Exhibition) -> Takedown | None:
    """Who took the exhibition down, when and why; None unless it is down."""
    if not exhibition.taken_down:
        return None
    event = last_event(session, "exhibition", exhibition.id, (ACTIONS[0],))
    if event is None:
        return None
    return Takedown(event.at, event.user.email if event.user else None, event.comment, event.action)
