"""QR links: short stable codes, what they lead to, and daily scan counts (nothing personal)."""

import re
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from exhibitions.models import Entry, Exhibition, ExhibitionStatus, QrLink, QrScanDay, QrTarget, Section
from exhibitions.qr.panels import normalise_panel

# No 0/o, 1/l/i: a code copied by hand from a printed label must survive.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 6
CODE_PATTERN = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
PANEL_CODE_PATTERN = re.compile(r"^([A-Z0-9]{2,10})-([A-Z0-9][A-Z0-9.\-]{0,19})$")


def new_code(session) -> str:
    """A random code no link holds yet."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(QrLink.id).where(QrLink.code == code)) is None:
            return code


def link_for(session, exhibition: Exhibition, target: QrTarget, target_id: int | None, lang: str | None = None):
    """The link of one target (and printed language), made on first use."""
    query = select(QrLink).where(
        QrLink.exhibition_id == exhibition.id,
        QrLink.target == target,
        QrLink.target_id.is_(None) if target_id is None else QrLink.target_id == target_id,
        QrLink.lang.is_(None) if lang is None else QrLink.lang == lang,
    )
    link = session.scalar(query)
    if link is None:
        link = QrLink(code=new_code(session), exhibition=exhibition, target=target, target_id=target_id, lang=lang)
        session.add(link)
        session.flush()
    return link


def ensure_links(session, exhibition: Exhibition) -> None:
    """Give every target its codes: the primary language's (lang None) for panels and pages, one per
    other language for the exhibition and its panels (printed in books), one per language for books."""
    existing = {
        (str(link.target), link.target_id, link.lang)
        for link in session.scalars(select(QrLink).where(QrLink.exhibition_id == exhibition.id))
    }
    others = [lang for lang in exhibition.all_languages if lang != exhibition.primary_language]
    wanted = [(QrTarget.EXHIBITION, None, lang) for lang in [None, *others]]
    wanted += [(QrTarget.SECTION, s.id, None) for s in exhibition.sections]
    wanted += [(QrTarget.ENTRY, e.id, lang) for e in exhibition.entries for lang in [None, *others]]
    wanted += [(QrTarget.EBOOK, None, lang) for lang in exhibition.all_languages]
    for target, target_id, lang in wanted:
        if (str(target), target_id, lang) not in existing:
            session.add(QrLink(code=new_code(session), exhibition=exhibition, target=target, target_id=target_id,
                               lang=lang))  # fmt: skip
    session.flush()


def printed_codes(session, exhibition: Exhibition, lang: str) -> dict:
    """The codes to print in `lang`: {(target, target id): code}, the primary language's where none."""
    return printed_codes_in(session, exhibition, [lang])[lang]


def printed_codes_in(session, exhibition: Exhibition, langs: list[str]) -> dict[str, dict]:
    """The codes to print in each of `langs`, as printed_codes gives them, from one reading of the links."""
    links = sorted(session.scalars(select(QrLink).where(QrLink.exhibition_id == exhibition.id)),
                   key=lambda link: link.lang is not None)  # fmt: skip
    by_lang: dict[str, dict] = {}
    for lang in langs:
        codes = by_lang.setdefault(lang, {})
        for link in links:
            if link.lang is None or link.lang == lang:
                codes[(str(link.target), link.target_id)] = link.code
    return by_lang


def links_of(session, exhibition: Exhibition) -> list[QrLink]:
    """Every link of an exhibition, exhibition first, then sections and entries."""
    order = {QrTarget.EXHIBITION: 0, QrTarget.SECTION: 1, QrTarget.ENTRY: 2, QrTarget.EBOOK: 3}
    links = session.scalars(select(QrLink).where(QrLink.exhibition_id == exhibition.id))
    return sorted(links, key=lambda link: (order[link.target], link.target_id or 0, link.lang or ""))


def scan_counts(session, exhibition: Exhibition) -> dict[int, int]:
    """Total scans per link of an exhibition."""
    rows = session.execute(
        select(QrScanDay.qr_link_id, func.sum(QrScanDay.count))
        .join(QrLink, QrLink.id == QrScanDay.qr_link_id)
        .where(QrLink.exhibition_id == exhibition.id)
        .group_by(QrScanDay.qr_link_id)
    )
    return {link_id: int(total) for link_id, total in rows}


def find_link(session, raw: str) -> QrLink | None:
    """The link of a printed code, or of a typed panel code like `CB25-017`; None if unknown."""
    text = (raw or "").strip()
    if CODE_PATTERN.match(text.lower()):
        link = session.scalar(select(QrLink).where(QrLink.code == text.lower()))
        if link is not None:
            return link
    match = PANEL_CODE_PATTERN.match(text.upper().replace(" ", ""))
    if not match:
        return None
    return _panel_link(session, match.group(1), match.group(2))


def _panel_link(session, exhibition_code: str, panel: str) -> QrLink | None:
    exhibition = session.scalar(select(Exhibition).where(Exhibition.code == exhibition_code))
    if exhibition is None:
        return None
    wanted = normalise_panel(panel)
    entry = next((e for e in exhibition.entries if normalise_panel(e.panel_number) == wanted), None)
    entry_id = entry.id if entry is not None else _frozen_entry_by_panel(exhibition, wanted)
    if entry_id is None:
        return None
    # Only an existing link: a lookup made by a GET must not write.
    return session.scalar(
        select(QrLink).where(QrLink.exhibition_id == exhibition.id, QrLink.target == QrTarget.ENTRY,
                             QrLink.target_id == entry_id, QrLink.lang.is_(None))
    )  # fmt: skip


def _frozen_entry_by_panel(exhibition: Exhibition, panel: str) -> int | None:
    if exhibition.status != ExhibitionStatus.ARCHIVED or not exhibition.frozen:
        return None
    view = exhibition.frozen["views"][exhibition.primary_language]
    for section in view["sections"]:
        for entry in section["entries"]:
            if normalise_panel(entry["panel_number"]) == panel:
                return entry["id"]
    return None


@dataclass(frozen=True)
class Resolution:
    """Where a code leads: a page to redirect to, or why it cannot (`state`)."""

    link: QrLink
    state: str  # ok | draft | archived | removed | withdrawn
    lang: str


def printed_language(link: QrLink) -> str:
    """The language a code was printed for. Every code is printed for one: a code with no language of its
    own (`lang` None, the panels' and pages' first codes) is the exhibition's primary language's."""
    return link.lang or link.exhibition.primary_language


def resolve(session, link: QrLink) -> Resolution:
    """What the link's target is now, and the language it was printed for."""
    exhibition = link.exhibition
    lang = printed_language(link)
    if exhibition.status == ExhibitionStatus.DRAFT:
        return Resolution(link, "draft", lang)
    if exhibition.status == ExhibitionStatus.ARCHIVED:
        return Resolution(link, "archived", lang)
    if link.target == QrTarget.SECTION:
        section = session.get(Section, link.target_id)
        if section is None or section.exhibition_id != exhibition.id:
            return Resolution(link, "removed", lang)
    if link.target == QrTarget.ENTRY:
        entry = session.get(Entry, link.target_id)
        if entry is None or entry.section.exhibition_id != exhibition.id:
            return Resolution(link, "removed", lang)
        if str(entry.item.status) != "published":
            return Resolution(link, "withdrawn", lang)
    return Resolution(link, "ok", lang)


def count_scan(connection, link_id: int, day: date) -> None:
    """Add one scan to the day's count, in one statement (an upsert) so workers never race."""
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(QrScanDay)
        .values(qr_link_id=link_id, day=day, count=1)
        .on_conflict_do_update(index_elements=["qr_link_id", "day"], set_={"count": QrScanDay.count + 1})
    )
    connection.execute(statement)


def primary_links(session, exhibitions: list[Exhibition]) -> dict:
    """The primary-language QR links of the exhibitions, by (exhibition id, target, target id)."""
    ids = [e.id for e in exhibitions]
    links = session.scalars(select(QrLink).where(QrLink.exhibition_id.in_(ids), QrLink.lang.is_(None))) if ids else []
    return {(link.exhibition_id, str(link.target), link.target_id): link for link in links}
