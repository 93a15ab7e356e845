"""Content frameworks: deriving a venue's exhibition from the national set, the diff, and pulls."""

from dataclasses import dataclass, field

from core.audit import record_event
from core.auth import User
from core.errors import NotFound, ValidationError
from core.i18n import _
from exhibitions import qr
from exhibitions.composing.layout import item_for_entry, next_panel_number
from exhibitions.composing.settings import check_curator, check_editable, create_exhibition, touch
from exhibitions.models import Entry, Exhibition, ExhibitionStatus, Section

# The texts per language an entry overrides for its exhibition, compared and copied alike.
OVERRIDES = ("titles", "captions")


def entry_state(entry: Entry) -> dict:
    """What a pull copies and the diff compares: the item and the title and caption overrides."""
    return {"item_id": entry.item_id, "titles": dict(entry.titles or {}), "captions": dict(entry.captions or {})}


def derive_exhibition(session, user: User, framework: Exhibition, data: dict) -> Exhibition:
    """A new draft exhibition for a venue, copying the framework's sections and entries."""
    check_curator(user)
    if not is_derivable(framework):
        raise ValidationError(_("Only a content framework that is not archived can be derived from."),
                              field="framework")  # fmt: skip
    texts = data.get("texts") or {
        t.lang: {"title": t.title, "introduction": t.introduction, "state": str(t.state)} for t in framework.texts
    }
    settings = {
        "mode": framework.mode,
        "primary_language": framework.primary_language,
        "languages": list(framework.languages or []),
        "fallback_chain": list(framework.fallback_chain or []),
    }
    settings.update({k: v for k, v in data.items() if k != "texts"})
    settings["is_framework"] = False
    exhibition = create_exhibition(session, user, settings | {"texts": texts})
    exhibition.derived_from = framework
    for section in framework.sections:
        exhibition.sections.append(_copy_section(section, len(exhibition.sections)))
    session.flush()
    qr.ensure_links(session, exhibition)
    record_event(session, user, "exhibition", exhibition.id, "derive", None, {"framework": framework.code})
    return exhibition


def _copy_section(section: Section, position: int) -> Section:
    copy = Section(texts=dict(section.texts or {}), position=position, source_section_id=section.id)
    for entry in section.entries:
        copy.entries.append(_copy_entry(entry, len(copy.entries)))
    return copy


def _copy_entry(entry: Entry, position: int, panel: str | None = None) -> Entry:
    return Entry(
        item_id=entry.item_id,
        position=position,
        panel_number=panel or entry.panel_number,
        captions=dict(entry.captions or {}),
        titles=dict(entry.titles or {}),
        source_entry_id=entry.id,
        source_state=entry_state(entry),
    )


@dataclass
class Difference:
    """One way the exhibition and its framework disagree, and whether a pull can settle it.

    kind: framework_changed | both_changed | local_change | added_in_framework |
    removed_in_framework | added_locally | removed_here
    """

    kind: str
    entry: Entry | None = None  # this exhibition's entry
    source: Entry | None = None  # the framework's entry
    fields: list = field(default_factory=list)  # "item", "titles.<lang>", "captions.<lang>"

    @property
    def pullable(self) -> bool:
        """A pull can settle it: take a framework change, or put back an entry removed here."""
        return self.from_framework or self.kind == "removed_here"

    @property
    def from_framework(self) -> bool:
        """The framework changed since the copy (as opposed to an adaptation made here)."""
        return self.kind in ("framework_changed", "both_changed", "added_in_framework", "removed_in_framework")

    @property
    def key(self) -> str:
        """What the pull form sends back: `s<framework entry id>` or `e<own entry id>`."""
        return f"s{self.source.id}" if self.source is not None else f"e{self.entry.id}"


def _changed_fields(old: dict, new: dict) -> list[str]:
    changed = ["item"] if old.get("item_id") != new.get("item_id") else []
    # A state copied before entries had titles of their own has none: as if empty.
    for name in OVERRIDES:
        old_texts, new_texts = old.get(name) or {}, new.get(name) or {}
        for lang in sorted(set(old_texts) | set(new_texts)):
            if (old_texts.get(lang) or {}).get("text") != (new_texts.get(lang) or {}).get("text"):
                changed.append(f"{name}.{lang}")
    return changed


def differences(session, exhibition: Exhibition) -> list[Difference]:
    """How the exhibition differs from its framework, entry by entry, in the framework's order."""
    framework = exhibition.derived_from
    if framework is None:
        return []
    own = exhibition.entries
    by_source = {e.source_entry_id: e for e in own if e.source_entry_id}
    found = []
    for source in framework.entries:
        entry = by_source.get(source.id)
        if entry is None:
            kind = "removed_here" if source.id in (exhibition.declined_sources or []) else "added_in_framework"
            found.append(Difference(kind, source=source, fields=["item"]))
            continue
        synced = entry.source_state or {}
        upstream = _changed_fields(synced, entry_state(source))
        local = _changed_fields(synced, entry_state(entry))
        if upstream and local:
            found.append(Difference("both_changed", entry, source, sorted(set(upstream) | set(local))))
        elif upstream:
            found.append(Difference("framework_changed", entry, source, upstream))
        elif local:
            found.append(Difference("local_change", entry, source, local))
    for entry in own:
        if entry.source_state and entry.source_entry_id is None:
            found.append(Difference("removed_in_framework", entry=entry, fields=["item"]))
        elif not entry.source_state:
            found.append(Difference("added_locally", entry=entry, fields=["item"]))
    return found


def pull(session, user: User, exhibition: Exhibition, key: str) -> None:
    """Take one framework change into the exhibition: a changed, added or removed entry."""
    check_editable(user, exhibition)
    difference = next((d for d in differences(session, exhibition) if d.key == key and d.pullable), None)
    if difference is None:
        raise NotFound(_("There is no framework change to take here; reload the page."))
    item = (difference.source or difference.entry).item
    if difference.kind == "removed_in_framework":
        entry = difference.entry
        entry.section.entries.remove(entry)
    elif difference.kind in ("added_in_framework", "removed_here"):
        _add_from_framework(session, exhibition, difference.source)
        exhibition.declined_sources = [i for i in exhibition.declined_sources or [] if i != difference.source.id]
    else:
        entry, source = difference.entry, difference.source
        entry.item = item_for_entry(session, exhibition, source.item_id)
        entry.captions = dict(source.captions or {})
        entry.titles = dict(source.titles or {})
        entry.source_state = entry_state(source)
    touch(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)
    record_event(session, user, "exhibition", exhibition.id, "pull", None,
                 {"change": difference.kind, "key": key, "item": item.reference_code})  # fmt: skip


def _add_from_framework(session, exhibition: Exhibition, source: Entry) -> None:
    item_for_entry(session, exhibition, source.item_id)
    section = next((s for s in exhibition.sections if s.source_section_id == source.section_id), None)
    if section is None:
        section = Section(texts=dict(source.section.texts or {}), position=len(exhibition.sections),
                          source_section_id=source.section_id)  # fmt: skip
        exhibition.sections.append(section)
    # The framework's number unless a panel here has it, or had it printed.
    taken = {qr.panel_key(e.panel_number) for e in exhibition.entries} | set(qr.printed_keys(exhibition))
    panel = source.panel_number if qr.panel_key(source.panel_number) not in taken else next_panel_number(exhibition)
    # Framework order: after the own entry that follows the source's predecessor, else first.
    siblings = source.section.entries
    index = siblings.index(source)
    before_ids = {e.id for e in siblings[:index]}
    position = 0
    for i, entry in enumerate(section.entries):
        if entry.source_entry_id in before_ids:
            position = i + 1
    section.entries.insert(position, _copy_entry(source, position, panel))
    for i, entry in enumerate(section.entries):
        entry.position = i


def is_derivable(exhibition: Exhibition) -> bool:
    """Frameworks can be derived from until they are archived."""
    return exhibition.is_framework and exhibition.status != ExhibitionStatus.ARCHIVED
