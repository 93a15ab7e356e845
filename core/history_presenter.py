"""A record's history as people read it: audit events with field names and values in the reader's language.

Each domain says how its own fields read — their labels, a formatter per field, which fields hold
texts per language — in a `HistoryPresenter`; this module does the rest the same way for all:
who and when, values formatted (None as "—", lists joined, yes/no), texts per language shown per
language, and long texts shortened to the passage that changed.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime

from core.audit import AuditEvent
from core.i18n import _, language_name

NOTHING = "—"
EXCERPT = 160  # characters of a long text shown, around where it changed
LEAD = 40  # of which, before the first change


@dataclass(frozen=True)
class Value:
    """A value as a page shows it: the text, its language if it is content, and the full length if shortened."""

    text: str
    lang: str | None = None
    length: int | None = None

    @property
    def shortened(self) -> bool:
        return self.length is not None


@dataclass(frozen=True)
class Change:
    """One field of an event: its label and its value before and after."""

    field: str  # as recorded, with the language for texts: "texts.fr.title"
    label: str
    before: Value
    after: Value


@dataclass(frozen=True)
class Fact:
    """A field recorded unchanged, naming the part of the record the event is about (the section moved)."""

    field: str
    label: str
    value: Value


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event, ready for a page."""

    at: datetime
    when: str
    who: str
    action: str
    action_label: str
    comment: str | None
    about: tuple[Fact, ...]
    changes: tuple[Change, ...]


Formatter = Callable[[Any], "str | Value"]


@dataclass
class HistoryPresenter:
    """How one domain's audit events read.

    labels: field → label, in the order changes are listed (fields without one come last, by name).
    formatters: field → function of a value that is not None, giving text (or a Value).
    texts: fields holding texts per language ({lang: {part: text}}) → their parts' labels, in order.
    text_formatters: part → formatter, for parts written in the reader's language (a text's state);
        other parts are the text itself, marked with its language.
    actions: the name of an action in the reader's language (an action it does not name reads as recorded).
    hidden: fields never shown (internal keys).
    """

    labels: Mapping[str, Any] = field(default_factory=dict)
    formatters: Mapping[str, Formatter] = field(default_factory=dict)
    texts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    text_formatters: Mapping[str, Formatter] = field(default_factory=dict)
    actions: Callable[[str], str] = str
    hidden: frozenset = frozenset()

    def present(self, events: Iterable[AuditEvent]) -> list[HistoryEntry]:
        """Every event as a page shows it, in the order given."""
        return [self.present_event(event) for event in events]

    def present_event(self, event: AuditEvent) -> HistoryEntry:
        """One event: who, when, the action's name, what it is about and what changed."""
        before, after = event.before or {}, event.after or {}
        about, changes = [], []
        for name in self._ordered(set(before) | set(after)):
            old, new = before.get(name), after.get(name)
            if old == new:
                if name in before and name in after:
                    about.append(Fact(name, self._label(name), self.format(name, new)))
            elif name in self.texts:
                changes += self._text_changes(name, old or {}, new or {})
            else:
                changes.append(self._change(name, self._label(name), self.format(name, old), self.format(name, new)))
        return HistoryEntry(
            at=event.at,
            when=format_datetime(event.at, "medium"),
            who=event.user.email if event.user else _("system"),
            action=event.action,
            action_label=str(self.actions(event.action) or event.action),
            comment=event.comment,
            about=tuple(about),
            changes=tuple(changes),
        )

    def format(self, name: str, value) -> Value:
        """A field's value in the reader's language; None is "—"."""
        if value is None or value == [] or value == "":
            return Value(NOTHING)
        formatter = self.formatters.get(name)
        shown = formatter(value) if formatter else plain(value)
        return shown if isinstance(shown, Value) else Value(str(shown))

    def _label(self, name: str) -> str:
        return str(self.labels.get(name, name))

    def _ordered(self, names: set) -> list[str]:
        known = [n for n in self.labels if n in names and n not in self.hidden]
        return known + sorted(n for n in names if n not in self.labels and n not in self.hidden)

    def _text_changes(self, name: str, before: dict, after: dict) -> list[Change]:
        """The parts of texts per language that differ, each labelled with its language."""
        parts = self.texts[name]
        changes = []
        for lang in dict.fromkeys([*after, *before]):
            old, new = before.get(lang), after.get(lang)
            if not isinstance(old, dict | None) or not isinstance(new, dict | None):
                # A text recorded as a plain string rather than parts.
                label = _("%(field)s (%(language)s)", field=self._label(name), language=language_name(lang))
                changes.append(self._change(f"{name}.{lang}", label, _text(old, lang), _text(new, lang)))
                continue
            old, new = old or {}, new or {}
            keys = [*(k for k in parts if k in old or k in new), *sorted((set(old) | set(new)) - set(parts))]
            for part in keys:
                if old.get(part) == new.get(part):
                    continue
                label = _("%(field)s (%(language)s)", field=str(parts.get(part, part)), language=language_name(lang))
                changes.append(self._change(f"{name}.{lang}.{part}", label, self._part(part, old.get(part), lang),
                                            self._part(part, new.get(part), lang)))  # fmt: skip
        return changes

    def _part(self, part: str, value, lang: str) -> Value:
        formatter = self.text_formatters.get(part)
        if value is None or value == "" or formatter is None:
            return _text(value, lang)
        shown = formatter(value)
        return shown if isinstance(shown, Value) else Value(str(shown))

    @staticmethod
    def _change(name: str, label: str, before: Value, after: Value) -> Change:
        before, after = shorten(before, after)
        return Change(name, label, before, after)


def _text(value, lang: str) -> Value:
    return Value(NOTHING) if value in (None, "") else Value(str(value), lang=lang)


# --- Formatters the domains share ----------------------------------------------------------------


def plain(value) -> str:
    """Any recorded value as text: lists joined, yes or no, mappings as `key: value`."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value) or NOTHING
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items()) or NOTHING
    return str(value)


def as_date(value) -> str:
    """An ISO date (`2026-09-01`) in the reader's locale."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_date(day, "medium")


def as_datetime(value) -> str:
    """An ISO date and time in the reader's locale and time zone."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_datetime(moment, "medium")


def as_language(tag: str) -> str:
    """A language tag as the language's name."""
    return language_name(str(tag))


def as_languages(tags) -> str:
    """Language tags as names, joined."""
    return ", ".join(language_name(str(t)) for t in tags) or NOTHING


def as_chain(tags) -> str:
    """A fallback chain as names in order: Français → English → Tiếng Việt."""
    return " → ".join(language_name(str(t)) for t in tags) or NOTHING


def labelled(labels: Mapping | Callable) -> Formatter:
    """A formatter reading a value's label from a mapping (lazy strings welcome) or a function;
    a value without a label is shown as recorded."""

    def formatter(value) -> str:
        if callable(labels):
            try:
                return str(labels(value))
            except (KeyError, ValueError):
                return str(value)
        return str(labels.get(value, value))

    return formatter


def each(formatter: Formatter) -> Formatter:
    """A formatter for a list whose items each read through `formatter`, joined."""
    return lambda values: ", ".join(str(formatter(v)) for v in values) or NOTHING


def shorten(before: Value, after: Value, limit: int = EXCERPT) -> tuple[Value, Value]:
    """Long texts cut to the passage where they start to differ, with their full length kept."""
    if len(before.text) <= limit and len(after.text) <= limit:
        return before, after
    same = 0
    if before.text != NOTHING and after.text != NOTHING:
        for a, b in zip(before.text, after.text, strict=False):
            if a != b:
                break
            same += 1
    start = max(0, same - LEAD)
    return _excerpt(before, start, limit), _excerpt(after, start, limit)


def _excerpt(value: Value, start: int, limit: int) -> Value:
    if len(value.text) <= limit:
        return value
    start = min(start, max(0, len(value.text) - limit))
    text = value.text[start : start + limit]
    text = ("…" if start else "") + text + ("…" if start + limit < len(value.text) else "")
    return Value(text, value.lang, len(value.text))
