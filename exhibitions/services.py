"""Composing exhibitions: their settings, texts, sections and entries. Services flush, never commit."""

import re
import unicodedata
from datetime import date

from sqlalchemy import select

from archive.languages import REFERENCE_LANGUAGE, normalise_tag
from archive.models import Item, ItemStatus, Place, PlaceKind, TextState
from archive.services import Problems
from core.audit import record_event
from core.auth import Role, User
from core.db import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.i18n import _
from exhibitions import qr
from exhibitions.models import Entry, Exhibition, ExhibitionMode, ExhibitionStatus, ExhibitionText, Section
from exhibitions.panels import PANEL_PATTERN, normalise_panel

CODE_PATTERN = re.compile(r"^[A-Z0-9]{2,10}$")
LIMITS = {"title": 500, "introduction": 20000, "body": 20000, "caption": 2000}
CURATORS = (Role.ADMIN, Role.CURATOR)


def check_curator(user: User) -> None:
    """Only curators and admins compose exhibitions."""
    if user.role not in CURATORS:
        raise Forbidden(_("Only a curator or an admin may change exhibitions."))


def check_editable(user: User, exhibition: Exhibition) -> None:
    """Curators change exhibitions until they are archived; archived ones are frozen."""
    check_curator(user)
    if exhibition.status == ExhibitionStatus.ARCHIVED:
        raise Forbidden(_("This exhibition is archived: what was shown is frozen and cannot change."))


def check_version(exhibition: Exhibition, expected) -> None:
    """Refuse a save made from an old copy of the exhibition."""
    if expected in (None, ""):
        return
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise ValidationError(_("The version must be a whole number."), field="version") from None
    if expected != exhibition.version:
        raise Conflict(_("Someone else changed this exhibition meanwhile. Reload it and try again."), field="version")


def get_exhibition(session, exhibition_id: int) -> Exhibition:
    """Any exhibition, for staff; NotFound if there is none."""
    exhibition = session.get(Exhibition, exhibition_id)
    if exhibition is None:
        raise NotFound(_("There is no exhibition %(id)s.", id=exhibition_id))
    return exhibition


def get_section(session, exhibition: Exhibition, section_id) -> Section:
    """A section of this exhibition; NotFound otherwise."""
    section = session.get(Section, _whole(section_id, _("Choose a section by its number.")))
    if section is None or section.exhibition_id != exhibition.id:
        raise NotFound(_("This exhibition has no section %(id)s.", id=section_id))
    return section


def get_entry(session, exhibition: Exhibition, entry_id) -> Entry:
    """An entry of this exhibition; NotFound otherwise."""
    entry = session.get(Entry, _whole(entry_id, _("Choose an entry by its number.")))
    if entry is None or entry.section.exhibition_id != exhibition.id:
        raise NotFound(_("This exhibition has no entry %(id)s.", id=entry_id))
    return entry


def _whole(value, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(message) from None
    # Ids are 32-bit in PostgreSQL: a larger number would fail in the database, not as a refusal.
    if not 0 < number <= 2_147_483_647:
        raise ValidationError(message)
    return number


# --- Settings and texts --------------------------------------------------------------------


def _text(value, field: str, problems: Problems, limit_name=None) -> str | None:
    if value is not None and not isinstance(value, str):
        problems.add(field, _("%(field)s must be text.", field=field))
        return None
    text = unicodedata.normalize("NFC", (value or "").strip())
    limit = LIMITS.get(limit_name or field.split(".")[-1])
    if limit and len(text) > limit:
        problems.add(field, _("Too long: %(length)s characters, at most %(limit)s.", length=len(text), limit=limit))
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        problems.add(field, _("This text contains control characters."))
    return text or None


def _state(value, field: str, problems: Problems) -> TextState:
    try:
        return TextState(value or TextState.DRAFT)
    except ValueError:
        problems.add(field, _("Unknown text state: %(state)s.", state=value))
        return TextState.DRAFT


def _date(value, field: str, problems: Problems) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.add(field, _("Write the date as YYYY-MM-DD: %(value)s.", value=value))
        return None


def _tags(values, field: str, problems: Problems) -> list[str]:
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,]+", values) if v]
    out = []
    for raw in values or []:
        tag = problems.check(normalise_tag, raw, field)
        if tag and tag not in out:
            out.append(tag)
    return out


def _venue(session, code, problems: Problems) -> Place | None:
    if not code:
        return None
    place = session.scalar(select(Place).where(Place.code == str(code).strip()))
    if place is None:
        problems.add("venue", _("Unknown venue: %(code)s.", code=code))
    elif place.kind != PlaceKind.ABROAD and not place.valid_on(date.today()):
        problems.add("venue", _("%(code)s is not a current province or city; choose its successor.", code=code))
    return place


def suggest_code(session, venue: Place | None, year: int) -> str:
    """A free code from the venue's initials and the year (`CB25`); a letter is added on a clash."""
    # Abroad, the English name reads as people there write it (Geneva → GE, not Giơ-ne-vơ → GNV).
    lang = "en" if venue is not None and venue.kind == PlaceKind.ABROAD else "vi"
    name = (venue.names.get(lang) or venue.code) if venue else "VT"
    folded = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    words = re.findall(r"[A-Za-z0-9]+", "".join(c for c in folded if not unicodedata.combining(c)))
    initials = "".join(w[0] for w in words).upper() if len(words) > 1 else (words[0][:2].upper() if words else "VT")
    base = f"{initials[:6]}{year % 100:02d}"
    taken = set(session.scalars(select(Exhibition.code).where(Exhibition.code.like(f"{base}%"))))
    for suffix in ["", *"ABCDEFGHJKLMNPQRSTUVWXYZ"]:
        if base + suffix not in taken:
            return base + suffix
    raise Conflict(_("No free code left for %(code)s; choose one.", code=base), field="code")


def _apply_settings(session, exhibition: Exhibition, data: dict, problems: Problems, partial: bool) -> None:
    if "venue" in data or not partial:
        exhibition.venue = _venue(session, data.get("venue"), problems)
    if "mode" in data or not partial:
        try:
            exhibition.mode = ExhibitionMode(data.get("mode") or ExhibitionMode.BOTH)
        except ValueError:
            problems.add("mode", _("Unknown mode: %(mode)s.", mode=data.get("mode")))
    for name in ("opens_on", "closes_on"):
        if name in data or not partial:
            setattr(exhibition, name, _date(data.get(name), name, problems))
    if exhibition.opens_on and exhibition.closes_on and exhibition.closes_on < exhibition.opens_on:
        problems.add("closes_on", _("The exhibition cannot close before it opens."))
    if "primary_language" in data or not partial:
        exhibition.primary_language = (
            problems.check(normalise_tag, data.get("primary_language") or REFERENCE_LANGUAGE, "primary_language")
            or REFERENCE_LANGUAGE
        )
    if "languages" in data or not partial:
        tags = _tags(data.get("languages"), "languages", problems)
        exhibition.languages = [t for t in tags if t != exhibition.primary_language]
    if "fallback_chain" in data or not partial:
        chain = _tags(data.get("fallback_chain"), "fallback_chain", problems)
        allowed = {*exhibition.all_languages, REFERENCE_LANGUAGE}
        if stray := [t for t in chain if t not in allowed]:
            problems.add("fallback_chain", _("The fallback chain may only hold the exhibition's languages and "
                                             "Vietnamese, not %(tags)s.", tags=", ".join(stray)))  # fmt: skip
        exhibition.fallback_chain = chain or [exhibition.primary_language, REFERENCE_LANGUAGE]
    if "is_framework" in data or not partial:
        exhibition.is_framework = bool(data.get("is_framework"))
    if "code" in data or not partial:
        _apply_code(session, exhibition, data.get("code"), problems)


def _apply_code(session, exhibition: Exhibition, raw, problems: Problems) -> None:
    code = str(raw or "").strip().upper()
    if not code:
        year = (exhibition.opens_on or date.today()).year
        exhibition.code = exhibition.code or suggest_code(session, exhibition.venue, year)
        return
    if not CODE_PATTERN.match(code):
        problems.add("code", _("The code takes 2 to 10 capital letters or digits, like CB25: %(code)s.", code=code))
        return
    clash = session.scalar(select(Exhibition.id).where(Exhibition.code == code, Exhibition.id != exhibition.id))
    if clash:
        problems.add("code", _("The code %(code)s is already used by another exhibition.", code=code))
    exhibition.code = code


def _apply_texts(exhibition: Exhibition, texts: dict, problems: Problems) -> None:
    """Set title and introduction per language; languages left out are kept."""
    for raw_tag, values in (texts or {}).items():
        tag = problems.check(normalise_tag, raw_tag, f"texts.{raw_tag}")
        if not tag:
            continue
        values = values or {}
        title = _text(values.get("title"), f"texts.{tag}.title", problems, limit_name="title")
        intro = _text(values.get("introduction"), f"texts.{tag}.introduction", problems, limit_name="introduction")
        state = _state(values.get("state"), f"texts.{tag}.state", problems)
        row = exhibition.text_for(tag)
        if not title and not intro:
            if row is not None:
                exhibition.texts.remove(row)
            continue
        if not title:
            problems.add(f"texts.{tag}.title", _("The title in %(tag)s is required with its introduction.", tag=tag))
            continue
        if row is None:
            row = ExhibitionText(lang=tag)
            exhibition.texts.append(row)
        row.title, row.introduction, row.state = title, intro, state


def snapshot(exhibition: Exhibition) -> dict:
    """The exhibition's settings and texts as plain data, for audit events."""
    return {
        "code": exhibition.code,
        "venue": exhibition.venue.code if exhibition.venue else None,
        "mode": str(exhibition.mode) if exhibition.mode else None,
        "opens_on": exhibition.opens_on.isoformat() if exhibition.opens_on else None,
        "closes_on": exhibition.closes_on.isoformat() if exhibition.closes_on else None,
        "primary_language": exhibition.primary_language,
        "languages": list(exhibition.languages or []),
        "fallback_chain": list(exhibition.fallback_chain or []),
        "status": str(exhibition.status) if exhibition.status else None,
        "is_framework": exhibition.is_framework,
        "texts": {t.lang: {"title": t.title, "introduction": t.introduction, "state": str(t.state)}
                  for t in exhibition.texts},
    }  # fmt: skip


def create_exhibition(session, user: User, data: dict) -> Exhibition:
    """A new draft exhibition with its own QR code; ValidationError lists every problem."""
    check_curator(user)
    problems = Problems()
    exhibition = Exhibition(status=ExhibitionStatus.DRAFT, created_by=user, languages=[], fallback_chain=[],
                            declined_sources=[])  # fmt: skip
    with session.no_autoflush:
        _apply_settings(session, exhibition, data, problems, partial=False)
        _apply_texts(exhibition, data.get("texts"), problems)
    # A title in any language names the draft; publishing asks for the primary language's.
    if not exhibition.texts and not problems.errors:
        primary = exhibition.primary_language
        problems.add(f"texts.{primary}.title", _("Give the exhibition a title."))
    problems.raise_if_any()
    session.add(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)
    record_event(session, user, "exhibition", exhibition.id, "create", None, snapshot(exhibition))
    return exhibition


def update_exhibition(session, user: User, exhibition: Exhibition, data: dict, expected_version=None) -> Exhibition:
    """Change the settings and texts present in `data`."""
    check_editable(user, exhibition)
    check_version(exhibition, expected_version)
    before = snapshot(exhibition)
    problems = Problems()
    with session.no_autoflush:
        _apply_settings(session, exhibition, data, problems, partial=True)
        _apply_texts(exhibition, data.get("texts"), problems)
    if problems.errors:
        session.rollback()
        problems.raise_if_any()
    touch(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)  # a language added now gets its codes for pages and books
    record_event(session, user, "exhibition", exhibition.id, "update", before, snapshot(exhibition))
    return exhibition


def touch(exhibition: Exhibition) -> None:
    """Mark the exhibition changed: new version and time, even when only a child row changed."""
    exhibition.updated_at = utcnow()


# --- Sections ------------------------------------------------------------------------------


def _section_texts(values: dict, problems: Problems) -> dict:
    out = {}
    for raw_tag, fields in (values or {}).items():
        tag = problems.check(normalise_tag, raw_tag, f"sections.{raw_tag}")
        if not tag:
            continue
        fields = fields or {}
        title = _text(fields.get("title"), f"sections.{tag}.title", problems, limit_name="title")
        body = _text(fields.get("body"), f"sections.{tag}.body", problems, limit_name="body")
        if title or body:
            out[tag] = {"title": title, "body": body, "state": str(_state(fields.get("state"), tag, problems))}
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
    merged = {k: v for k, v in (section.texts or {}).items() if k not in (texts or {})}
    section.texts = merged | cleaned
    touch(section.exhibition)
    session.flush()
    return section


def remove_section(session, user: User, section: Section) -> None:
    """Delete a section and its entries."""
    exhibition = section.exhibition
    check_editable(user, exhibition)
    dropped = [e.source_entry_id for e in section.entries if e.source_entry_id]
    exhibition.declined_sources = [*(exhibition.declined_sources or []), *dropped]
    exhibition.sections.remove(section)
    _renumber(exhibition.sections)
    touch(exhibition)
    session.flush()
    record_event(session, user, "exhibition", exhibition.id, "remove_section", {"section": section.id}, None)


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


# --- Entries -------------------------------------------------------------------------------


def _captions(values: dict, problems: Problems) -> dict:
    out = {}
    for raw_tag, fields in (values or {}).items():
        tag = problems.check(normalise_tag, raw_tag, f"captions.{raw_tag}")
        if not tag:
            continue
        fields = fields if isinstance(fields, dict) else {"text": fields}
        text = _text(fields.get("text"), f"captions.{tag}", problems, limit_name="caption")
        if text:
            out[tag] = {"text": text, "state": str(_state(fields.get("state"), f"captions.{tag}.state", problems))}
    return out


def _panel(exhibition: Exhibition, raw, problems: Problems, entry: Entry | None = None) -> str | None:
    panel = normalise_panel(raw)
    if panel is None:
        return None
    if not PANEL_PATTERN.match(panel):
        problems.add("panel_number", _("A panel number takes letters, digits, dots and hyphens: %(value)s.",
                                       value=raw))  # fmt: skip
        return None
    for other in exhibition.entries:
        if other is not entry and normalise_panel(other.panel_number) == panel:
            problems.add("panel_number", _("Panel %(panel)s is already used in this exhibition.", panel=panel))
    return panel


def next_panel_number(exhibition: Exhibition) -> str:
    """One more than the highest numeric panel."""
    numbers = [int(e.panel_number) for e in exhibition.entries if (e.panel_number or "").isdigit()]
    return str(max(numbers, default=0) + 1)


def item_for_entry(session, exhibition: Exhibition, item_id) -> Item:
    """The item to put on a panel; a published exhibition takes published items only."""
    item = session.get(Item, _whole(item_id, _("Choose an item by its number.")))
    if item is None:
        raise NotFound(_("There is no item %(id)s.", id=item_id))
    if exhibition.status == ExhibitionStatus.PUBLISHED and item.status != ItemStatus.PUBLISHED:
        raise ValidationError(
            _("Only published items may be added to a published exhibition; %(code)s is not published.",
              code=item.reference_code), field="item")  # fmt: skip
    return item


def add_entry(session, user: User, section: Section, item_id, panel_number=None, captions=None) -> Entry:
    """Put an item at the end of a section, with the next free panel number unless one is given."""
    exhibition = section.exhibition
    check_editable(user, exhibition)
    item = item_for_entry(session, exhibition, item_id)
    problems = Problems()
    panel = _panel(exhibition, panel_number, problems) or next_panel_number(exhibition)
    cleaned = _captions(captions, problems)
    problems.raise_if_any()
    entry = Entry(item=item, panel_number=panel, captions=cleaned, position=len(section.entries))
    section.entries.append(entry)
    touch(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)
    record_event(session, user, "exhibition", exhibition.id, "add_entry", None,
                 {"entry": entry.id, "item": item.reference_code, "panel": panel})  # fmt: skip
    return entry


def update_entry(session, user: User, entry: Entry, data: dict) -> Entry:
    """Change the panel number and the caption overrides given; an empty caption is removed."""
    exhibition = entry.section.exhibition
    check_editable(user, exhibition)
    problems = Problems()
    before = {"panel": entry.panel_number, "captions": entry.captions}
    if "panel_number" in data:
        entry.panel_number = _panel(exhibition, data["panel_number"], problems, entry) or entry.panel_number
    if "captions" in data:
        given = data["captions"] or {}
        cleaned = _captions(given, problems)
        kept = {k: v for k, v in (entry.captions or {}).items() if k not in given}
        entry.captions = kept | cleaned
    if problems.errors:
        session.rollback()
        problems.raise_if_any()
    touch(exhibition)
    session.flush()
    record_event(session, user, "exhibition", exhibition.id, "update_entry", before,
                 {"panel": entry.panel_number, "captions": entry.captions})  # fmt: skip
    return entry


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
                 {"entry": entry.id, "item": entry.item.reference_code}, None)  # fmt: skip


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
    for sid, ids in wanted.items():
        for position, eid in enumerate(ids):
            entries[eid].section = sections[sid]
            entries[eid].position = position
    touch(exhibition)
    session.flush()
    # The collections were appended to in move order; read them again in position order.
    for section in sections.values():
        session.expire(section, ["entries"])
    record_event(session, user, "exhibition", exhibition.id, "arrange", None, {"order": listed})
