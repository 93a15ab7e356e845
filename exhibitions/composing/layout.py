"""Composing an exhibition's layout: sections, entries on panels, their order. Services flush, never commit."""

from archive.models import Item, ItemStatus
from core.audit import record_event
from core.auth import User
from core.errors import NotFound, ValidationError
from core.i18n import _
from core.languages import normalise_tag
from core.validation import Problems, record_id
from exhibitions import qr
from exhibitions.composing.settings import check_editable, clean_text, text_state, touch
from exhibitions.models import Entry, Exhibition, ExhibitionStatus, Section
from exhibitions.qr import PANEL_PATTERN, normalise_panel


def get_section(session, exhibition: Exhibition, section_id) -> Section:
    """A section of this exhibition; NotFound otherwise."""
    section = session.get(Section, record_id(section_id, _("Choose a section by its number.")))
    if section is None or section.exhibition_id != exhibition.id:
        raise NotFound(_("This exhibition has no section %(id)s.", id=section_id))
    return section


def get_entry(session, exhibition: Exhibition, entry_id) -> Entry:
    """An entry of this exhibition; NotFound otherwise."""
    entry = session.get(Entry, record_id(entry_id, _("Choose an entry by its number.")))
    if entry is None or entry.section.exhibition_id != exhibition.id:
        raise NotFound(_("This exhibition has no entry %(id)s.", id=entry_id))
    return entry


# --- Sections ------------------------------------------------------------------------------


def _section_texts(values: dict, problems: Problems) -> dict:
    out = {}
    for raw_tag, fields in (values or {}).items():
        tag = problems.check(normalise_tag, raw_tag, f"sections.{raw_tag}")
        if not tag:
            continue
        fields = fields or {}
        title = clean_text(fields.get("title"), f"sections.{tag}.title", problems, limit_name="title")
        body = clean_text(fields.get("body"), f"sections.{tag}.body", problems, limit_name="body")
        if title or body:
            out[tag] = {"title": title, "body": body, "state": str(text_state(fields.get("state"), tag, problems))}
    return out


def add_section(session, user: User, exhibition: Exhibition, texts: dict) -> Section:
    """A new section at the end, with its texts per language."""
    check_editable(user, exhibition)
    problems = Problems()
    cleaned = _section_texts(texts, problems)
    problems.raise_if_any()
    section = Section(texts=cleaned, position=len(exhibition.sections))
    exhibition.sections.append(section)
    touch(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)
    record_event(session, user, "exhibition", exhibition.id, "add_section", None, {"section": section.id})
    return section


def update_section(session, user: User, section: Section, texts: dict) -> Section:
    """Replace the section's texts in the languages given; a language left empty is removed."""
    check_editable(user, section.exhibition)
    problems = Problems()
    cleaned = _section_texts(texts, problems)
    problems.raise_if_any()
    before = dict(section.texts or {})
    merged = {k: v for k, v in before.items() if k not in (texts or {})}
    section.texts = merged | cleaned
    touch(section.exhibition)
    session.flush()
    record_event(session, user, "exhibition", section.exhibition.id, "update_section",
                 {"section": section.id, "texts": before}, {"section": section.id, "texts": section.texts},
                 keep=("section",))  # fmt: skip
    return section


def remove_section(session, user: User, section: Section) -> None:
    """Delete a section and its entries."""
    exhibition = section.exhibition
    check_editable(user, exhibition)
    dropped = [e.source_entry_id for e in section.entries if e.source_entry_id]
    exhibition.declined_sources = [*(exhibition.declined_sources or []), *dropped]
    removed = {"section": section.id, "texts": dict(section.texts or {}),
               "items": [e.item.reference_code for e in section.entries]}  # fmt: skip
    exhibition.sections.remove(section)
    _renumber(exhibition.sections)
    touch(exhibition)
    session.flush()
    record_event(session, user, "exhibition", exhibition.id, "remove_section", removed, None)


def _renumber(rows) -> None:
    for position, row in enumerate(rows):
        row.position = position


def move_section(session, user: User, section: Section, delta: int) -> None:
    """Move a section up (-1) or down (+1)."""
    exhibition = section.exhibition
    check_editable(user, exhibition)
    sections = list(exhibition.sections)
    index = sections.index(section)
    target = min(max(index + delta, 0), len(sections) - 1)
    sections.insert(target, sections.pop(index))
    exhibition.sections[:] = sections
    _renumber(sections)
    touch(exhibition)
    session.flush()
    record_event(session, user, "exhibition", exhibition.id, "move_section",
                 {"section": section.id, "position": index + 1}, {"section": section.id, "position": target + 1},
                 keep=("section",))  # fmt: skip


# --- Entries -------------------------------------------------------------------------------


def _overrides(values: dict, field: str, limit: str, problems: Problems) -> dict:
    """Texts per language for this exhibition only ({lang: {"text", "state"}}): captions, titles."""
    out = {}
    for raw_tag, fields in (values or {}).items():
        tag = problems.check(normalise_tag, raw_tag, f"{field}.{raw_tag}")
        if not tag:
            continue
        fields = fields if isinstance(fields, dict) else {"text": fields}
        text = clean_text(fields.get("text"), f"{field}.{tag}", problems, limit_name=limit)
        if text:
            out[tag] = {"text": text, "state": str(text_state(fields.get("state"), f"{field}.{tag}.state", problems))}
    return out


def _captions(values: dict, problems: Problems) -> dict:
    return _overrides(values, "captions", "caption", problems)


def _titles(values: dict, problems: Problems) -> dict:
    return _overrides(values, "titles", "title", problems)


def _panel(exhibition: Exhibition, raw, problems: Problems, entry: Entry | None = None) -> str | None:
    panel = normalise_panel(raw)
    if panel is None:
        return None
    if not PANEL_PATTERN.match(panel):
        problems.add("panel_number", _("A panel number takes letters, digits, dots and hyphens: %(value)s.",
                                       value=raw))  # fmt: skip
        return None
    # Compared as visitors' typed codes are matched: 12-A and 12A, 017 and 17 would be one code.
    key = qr.panel_key(panel)
    for other in exhibition.entries:
        if other is not entry and qr.panel_key(other.panel_number) == key:
            problems.add("panel_number", _("Panel %(panel)s is already used in this exhibition.", panel=panel))
            return panel
    printed_for = qr.printed_keys(exhibition).get(key)
    if printed_for is not None and (entry is None or printed_for != entry.id):
        problems.add("panel_number", _("The code of panel %(panel)s was printed for another panel and stays "
                                       "its own; choose another number.", panel=panel))  # fmt: skip
    return panel


def next_panel_number(exhibition: Exhibition) -> str:
    """One more than the highest numeric panel, printed codes included: a printed number is never given again."""
    numbers = [
        int(e.panel_number)
        for e in exhibition.entries
        if (e.panel_number or "").isascii() and (e.panel_number or "").isdigit()
    ]
    numbers += [int(key) for key in qr.printed_keys(exhibition) if key.isascii() and key.isdigit()]
    return str(max(numbers, default=0) + 1)


def renumber_panels(session, user: User, exhibition: Exhibition) -> int:
    """Number the panels 1, 2, 3… in reading order, skipping the numbers printed for other panels; a printed
    code keeps leading to its panel, as an alias of the new number. Returns how many panels changed number."""
    check_editable(user, exhibition)
    printed = qr.printed_keys(exhibition)
    entries = exhibition.entries
    before = [entry.panel_number for entry in entries]
    number = 1
    for entry in entries:
        while printed.get(str(number), entry.id) != entry.id:
            number += 1
        entry.panel_number = str(number)
        number += 1
    after = [entry.panel_number for entry in entries]
    changed = sum(old != new for old, new in zip(before, after, strict=True))
    if changed:
        touch(exhibition)
        session.flush()
        record_event(session, user, "exhibition", exhibition.id, "renumber", {"panels": before}, {"panels": after})
    return changed


def item_for_entry(session, exhibition: Exhibition, item_id) -> Item:
    """The item to put on a panel; a published exhibition takes published items only."""
    item = session.get(Item, record_id(item_id, _("Choose an item by its number.")))
    if item is None:
        raise NotFound(_("There is no item %(id)s.", id=item_id))
    if exhibition.status == ExhibitionStatus.PUBLISHED and item.status != ItemStatus.PUBLISHED:
        raise ValidationError(
            _("Only published items may be added to a published exhibition; %(code)s is not published.",
              code=item.reference_code), field="item")  # fmt: skip
    return item


def add_entry(session, user: User, section: Section, item_id, panel_number=None, captions=None, titles=None) -> Entry:
    """Put an item at the end of a section, with the next free panel number unless one is given, and its caption
    and title overrides per language."""
    exhibition = section.exhibition
    check_editable(user, exhibition)
    item = item_for_entry(session, exhibition, item_id)
    problems = Problems()
    panel = _panel(exhibition, panel_number, problems) or next_panel_number(exhibition)
    cleaned = _captions(captions, problems)
    own_titles = _titles(titles, problems)
    problems.raise_if_any()
    entry = Entry(item=item, panel_number=panel, captions=cleaned, titles=own_titles, position=len(section.entries))
    section.entries.append(entry)
    touch(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)
    record_event(session, user, "exhibition", exhibition.id, "add_entry", None,
                 {"entry": entry.id, "item": item.reference_code, "panel": panel}
                 | ({"titles": own_titles} if own_titles else {}))  # fmt: skip
    return entry


def update_entry(session, user: User, entry: Entry, data: dict) -> Entry:
    """Change the panel number and the caption and title overrides given; an empty one is removed."""
    exhibition = entry.section.exhibition
    check_editable(user, exhibition)
    problems = Problems()
    before = _entry_record(entry)
    if "panel_number" in data:
        entry.panel_number = _panel(exhibition, data["panel_number"], problems, entry) or entry.panel_number
    if "captions" in data:
        given = data["captions"] or {}
        kept = {k: v for k, v in (entry.captions or {}).items() if k not in given}
        entry.captions = kept | _captions(given, problems)
    if "titles" in data:
        given = data["titles"] or {}
        kept = {k: v for k, v in (entry.titles or {}).items() if k not in given}
        entry.titles = kept | _titles(given, problems)
    problems.raise_if_any()  # the caller's unit (or its attempt) undoes what was set
    touch(exhibition)
    session.flush()
    after = _entry_record(entry)
    record_event(session, user, "exhibition", exhibition.id, "update_entry", before, after, keep=("entry", "item"))
    return entry


def _entry_record(entry: Entry) -> dict:
    """An entry's panel and texts as its audit events record them."""
    return {"entry": entry.id, "item": entry.item.reference_code, "panel": entry.panel_number,
            "titles": dict(entry.titles or {}), "captions": dict(entry.captions or {})}  # fmt: skip


def remove_entry(session, user: User, entry: Entry) -> None:
    """Take an entry out of its section; its printed QR code then says so."""
    section = entry.section
    exhibition = section.exhibition
    check_editable(user, exhibition)
    section.entries.remove(entry)
    _renumber(section.entries)
    if entry.source_entry_id:
        exhibition.declined_sources = [*(exhibition.declined_sources or []), entry.source_entry_id]
    touch(exhibition)
    session.flush()
    record_event(session, user, "exhibition", exhibition.id, "remove_entry",
                 {"entry": entry.id, "item": entry.item.reference_code, "panel": entry.panel_number}, None)  # fmt: skip


def move_entry(session, user: User, entry: Entry, delta: int) -> None:
    """Move an entry up (-1) or down (+1), across into the next section at either end."""
    exhibition = entry.section.exhibition
    check_editable(user, exhibition)
    layout = [[e.id for e in s.entries] for s in exhibition.sections]
    flat = [(si, eid) for si, ids in enumerate(layout) for eid in ids]
    index = next(i for i, (_s, eid) in enumerate(flat) if eid == entry.id)
    section_index = flat[index][0]
    position = layout[section_index].index(entry.id)
    layout[section_index].pop(position)
    target = position + delta
    if target < 0 and section_index > 0:
        layout[section_index - 1].append(entry.id)
    elif target > len(layout[section_index]) and section_index + 1 < len(layout):
        layout[section_index + 1].insert(0, entry.id)
    else:
        layout[section_index].insert(min(max(target, 0), len(layout[section_index])), entry.id)
    arrange(session, user, exhibition, {s.id: ids for s, ids in zip(exhibition.sections, layout, strict=True)})


def arrange(session, user: User, exhibition: Exhibition, layout: dict) -> None:
    """Put entries in the given order per section: {section id: [entry ids]}; every entry once."""
    check_editable(user, exhibition)
    sections = {s.id: s for s in exhibition.sections}
    entries = {e.id: e for e in exhibition.entries}
    try:
        wanted = {int(sid): [int(eid) for eid in ids] for sid, ids in layout.items()}
    except (TypeError, ValueError):
        raise ValidationError(_("The new order is not valid."), field="order") from None
    listed = [eid for ids in wanted.values() for eid in ids]
    if set(wanted) - set(sections) or sorted(listed) != sorted(entries):
        raise ValidationError(
            _("The new order must list every entry of the exhibition once; reload the page."), field="order"
        )
    before = _order(exhibition)
    for sid, ids in wanted.items():
        for position, eid in enumerate(ids):
            entries[eid].section = sections[sid]
            entries[eid].position = position
    touch(exhibition)
    session.flush()
    # The collections were appended to in move order; read them again in position order.
    for section in sections.values():
        session.expire(section, ["entries"])
    record_event(
        session, user, "exhibition", exhibition.id, "arrange", {"order": before}, {"order": _order(exhibition)}
    )


def _order(exhibition: Exhibition) -> list[list[int]]:
    """Entry ids section by section, as the audit records an arrangement."""
    return [[e.id for e in s.entries] for s in exhibition.sections]
