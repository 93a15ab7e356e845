"""An item's history as its staff page shows it: the item's fields named and valued in the reader's language."""

from sqlalchemy import select

from archive import rights
from archive.forms import STATE_LABELS, TYPE_LABELS
from archive.models import Body, Item, Place, Term
from archive.services import status_label
from archive.workflow import event_label
from core.audit import AuditEvent, history
from core.history_presenter import HistoryEntry, HistoryPresenter, each, labelled
from core.i18n import _l, current_language, localized

# In the order a change lists them: as the item's page shows its fields.
FIELD_LABELS = {
    "status": _l("Status"),
    "reference_code": _l("Reference code"),
    "type": _l("Type"),
    "date": _l("Date"),
    "place": _l("Place"),
    "body": _l("Contributing body"),
    "creator": _l("Creator"),
    "rights": _l("Rights"),
    "rights_note": _l("Rights note"),
    "rights_flagged": _l("Rights to review"),
    "source_archive": _l("Source archive"),
    "fonds": _l("Fonds"),
    "terms": _l("Subjects"),
    "tags": _l("Free tags"),
    "texts": _l("Texts"),
    "media": _l("Files"),
}
TEXT_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "caption": _l("Caption"),
    "transcription": _l("Transcription"),
    "state": _l("Text state"),
}


def item_history(session, item: Item) -> list[HistoryEntry]:
    """The item's audit events, newest first, as people read them."""
    events = history(session, "item", item.id)
    return presenter(session, events).present(events)


def presenter(session, events: list[AuditEvent]) -> HistoryPresenter:
    """How item events read; places, bodies and terms by their names, one query each for all events."""
    places = _names(session, Place, Place.names, _codes(events, "place"))
    bodies = _names(session, Body, Body.names, _codes(events, "body"))
    terms = _names(session, Term, Term.labels, _codes(events, "terms"))
    return HistoryPresenter(
        labels=FIELD_LABELS,
        formatters={
            "status": labelled(status_label),
            "type": labelled(TYPE_LABELS),
            "place": labelled(places),
            "body": labelled(bodies),
            # A statement by its name; the free text of events from before 0010 as written.
            "rights": labelled(lambda value: rights.label(value, current_language())),
            "terms": each(labelled(terms)),
        },
        texts={"texts": TEXT_LABELS},
        text_formatters={"state": labelled(STATE_LABELS)},
        actions=event_label,
    )


def _codes(events: list[AuditEvent], name: str) -> set[str]:
    found = set()
    for event in events:
        for values in (event.before or {}, event.after or {}):
            value = values.get(name)
            found.update(value if isinstance(value, list) else [value] if value else [])
    return found


def _names(session, model, column, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(select(model.code, column).where(model.code.in_(codes)))
    return {code: localized(names) or code for code, names in rows}
