"""An exhibition's history as its curators' page shows it: settings, texts, sections and panels named
and valued in the reader's language."""

from flask_babel import pgettext
from sqlalchemy import select

from archive.forms import STATE_LABELS
from archive.models import Place
from core.audit import AuditEvent, history
from core.history_presenter import (
    HistoryEntry,
    HistoryPresenter,
    as_chain,
    as_date,
    as_language,
    as_languages,
    labelled,
)
from core.i18n import _, localized
from exhibitions.models import Exhibition
from exhibitions.web.forms import DIFFERENCE_LABELS, MODE_LABELS, status_label


def exhibition_history(session, exhibition: Exhibition) -> list[HistoryEntry]:
    """The exhibition's audit events, newest first, as people read them."""
    events = history(session, "exhibition", exhibition.id)
    return presenter(session, exhibition, events).present(events)


def presenter(session, exhibition: Exhibition, events: list[AuditEvent]) -> HistoryPresenter:
    """How exhibition events read: sections by number and title, panels by number, as they are now or,
    for those removed since, as the events last recorded them."""
    venues = _venue_names(session, events)
    panels = _recorded_panels(events) | {e.id: e.panel_number or "?" for e in exhibition.entries}
    return HistoryPresenter(
        labels=field_labels(),
        formatters={
            "venue": labelled(venues),
            "mode": labelled(MODE_LABELS),
            "opens_on": as_date,
            "closes_on": as_date,
            "primary_language": as_language,
            "languages": as_languages,
            "fallback_chain": as_chain,
            "status": labelled(status_label),
            "section": _section_names(exhibition, events),
            "order": lambda order: _order(order, panels),
            "change": labelled(DIFFERENCE_LABELS),
        },
        texts={"texts": text_labels(), "captions": text_labels(), "titles": own_title_labels()},
        text_formatters={"state": labelled(STATE_LABELS)},
        actions=action_label,
        # The entry's id and a framework change's form key are internal: the item and panel recorded
        # with them say which entry it was.
        hidden=frozenset({"entry", "key"}),
    )


def field_labels() -> dict[str, str]:
    """The recorded fields of an exhibition in the reader's language, in the order a change lists them."""
    return {
        "status": _("Status"),
        "section": _("Section"),
        "position": _("Position"),
        "item": _("Item"),
        "panel": _("Panel number"),
        "code": _("Code"),
        "venue": _("Venue"),
        "mode": _("Mode"),
        "opens_on": _("Opens on"),
        "closes_on": _("Closes on"),
        "primary_language": _("Primary language"),
        "languages": _("Other languages"),
        "fallback_chain": _("Fallback order"),
        "is_framework": _("Framework"),
        "framework": _("Derived from"),
        "change": _("Framework change"),
        "texts": _("Texts"),
        "titles": _("Title for this exhibition"),
        "captions": _("Caption"),
        "items": _("Items"),
        "order": _("Order of the panels"),
        "panels": _("Panel numbers in order"),
    }


def text_labels() -> dict[str, str]:
    """The parts of an exhibition's, a section's and a caption's texts per language."""
    return {
        "title": _("Title"),
        "introduction": _("Introduction"),
        "body": _("Section text"),
        "text": _("Caption"),
        "state": _("Text state"),
    }


def own_title_labels() -> dict[str, str]:
    """The parts of an entry's own title per language."""
    return {"text": _("Title"), "state": _("Text state")}


def action_label(action: str) -> str:
    """The name of a change to an exhibition in the reader's language."""
    # A context of their own: in French an exhibition is feminine ("Créée"), an item is not.
    labels = {
        "create": pgettext("exhibition event", "Created"),
        "update": pgettext("exhibition event", "Settings and texts edited"),
        "derive": pgettext("exhibition event", "Derived from a framework"),
        "pull": pgettext("exhibition event", "Framework change taken"),
        "publish": pgettext("exhibition event", "Published"),
        "unpublish": pgettext("exhibition event", "Back to draft"),
        "archive": pgettext("exhibition event", "Closed and archived"),
        "add_section": pgettext("exhibition event", "Section added"),
        "update_section": pgettext("exhibition event", "Section texts edited"),
        "move_section": pgettext("exhibition event", "Section moved"),
        "remove_section": pgettext("exhibition event", "Section removed"),
        "add_entry": pgettext("exhibition event", "Item added"),
        "update_entry": pgettext("exhibition event", "Panel edited"),
        "remove_entry": pgettext("exhibition event", "Item removed"),
        "arrange": pgettext("exhibition event", "Panels reordered"),
        "renumber": pgettext("exhibition event", "Panels renumbered"),
    }
    return labels.get(action, action)


def _venue_names(session, events: list[AuditEvent]) -> dict[str, str]:
    codes = {values["venue"] for e in events for values in (e.before or {}, e.after or {}) if values.get("venue")}
    if not codes:
        return {}
    rows = session.execute(select(Place.code, Place.names).where(Place.code.in_(codes)))
    return {code: localized(names) or code for code, names in rows}


def _title(texts: dict, primary: str) -> str | None:
    chosen = texts.get(primary) or texts.get("vi") or next(iter(texts.values()), None)
    return chosen.get("title") if isinstance(chosen, dict) else None


def _section_names(exhibition: Exhibition, events: list[AuditEvent]):
    """Section id → `2. Title`; a section removed since by the title its events last recorded."""
    names = {}
    for event in reversed(events):  # oldest first: the newest title recorded wins
        for values in (event.before or {}, event.after or {}):
            if values.get("section") and isinstance(values.get("texts"), dict):
                title = _title(values["texts"], exhibition.primary_language) or _("(no title)")
                names[values["section"]] = _("%(title)s (no longer in the exhibition)", title=title)
    for number, section in enumerate(exhibition.sections, 1):
        names[section.id] = f"{number}. {_title(section.texts or {}, exhibition.primary_language) or _('(no title)')}"
    return lambda section_id: names.get(section_id) or _("a section since removed")


def _recorded_panels(events: list[AuditEvent]) -> dict[int, str]:
    """Entry id → the panel number its events last recorded, for entries removed since."""
    panels = {}
    for event in reversed(events):
        for values in (event.before or {}, event.after or {}):
            if values.get("entry") and values.get("panel"):
                panels[values["entry"]] = values["panel"]
    return panels


def _order(order: list, panels: dict) -> str:
    """Panel numbers section by section: `Section 1: 2, 1; Section 2: 3`; an entry never numbered: ×."""
    if order and not isinstance(order[0], list):  # recorded as one list before sections were told apart
        return ", ".join(panels.get(i, "×") for i in order)
    return "; ".join(
        _("%(label)s: %(value)s", label=_("Section %(number)s", number=number),
          value=", ".join(panels.get(i, "×") for i in ids) or "—")
        for number, ids in enumerate(order, 1)
    )  # fmt: skip
