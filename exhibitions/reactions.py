"""What exhibitions do when the archive tells them something happened (core.events).

An item leaving publication (withdrawn, sent back) or entering it (published, a takedown undone) changes what the
exhibitions showing it show: their built e-books, catalogues and offline packages are forgotten once the change
commits, so none lingers on disk with a withdrawn item, and the next download builds the new version with a
placeholder in its place (reading.view_for). Archived exhibitions' too: a takedown is the one change that reaches
what they froze.
"""

from functools import partial

from sqlalchemy import select

from core.events import item_status_changed
from core.uow import after_commit
from exhibitions.models import Entry, Exhibition, Section
from exhibitions.publications import forget_built

PUBLISHED = "published"


def init_app(app) -> None:
    """Subscribe to the archive's events (idempotent: one subscription per process)."""
    item_status_changed.connect(on_item_status_changed)


def on_item_status_changed(session, *, item_id: int, before: str | None, after: str) -> None:
    """Forget the built publications of the exhibitions, live or archived, that show the item, once it commits."""
    if PUBLISHED not in (before, after):
        return
    showing = session.scalars(
        select(Exhibition.id).join(Section).join(Entry).where(Entry.item_id == item_id).distinct()
    )
    for exhibition_id in showing:
        after_commit(session, partial(forget_built, exhibition_id), key=f"publications.forget.{exhibition_id}")
