"""QR links: short stable codes, what they lead to, and daily scan counts (nothing personal)."""

import hashlib
import hmac
import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from core.uow import unit
from exhibitions.models import (
    Entry,
    Exhibition,
    ExhibitionStatus,
    QrLink,
    QrScanDay,
    QrScanVisitor,
    QrTarget,
    Section,
)
from exhibitions.qr.panels import TypedCode, panel_key, typed_code
from exhibitions.qr.printed import printed_keys

# No 0/o, 1/l/i: a code copied by hand from a printed label must survive.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 6
CODE_PATTERN = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


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


# Built once: a scan is the busiest request there is. With its exhibition, which resolving reads, in the same
# statement; an archived one's frozen snapshot (large) only if a page asks for it.
_LINK_BY_CODE = (
    select(QrLink)
    .where(QrLink.code == bindparam("code"))
    .options(joinedload(QrLink.exhibition).defer(Exhibition.frozen))
)


def find_link(session, raw: str) -> QrLink | None:
    """The link of a printed code, or of a panel code typed as people type it (`CB25-017`, `cb25 17`,
    `CB25017`); None if no existing code matches."""
    text = (raw or "").strip()
    if CODE_PATTERN.match(text.lower()):
        link = session.scalar(_LINK_BY_CODE, {"code": text.lower()})
        if link is not None:
            return link
    typed = typed_code(text)
    if typed is None:
        return None
    entry = find_panel(session, typed)
    if entry is None:
        return None
    exhibition, entry_id = entry
    # Only an existing link: a lookup made by a GET must not write.
    return session.scalar(
        select(QrLink).where(QrLink.exhibition_id == exhibition.id, QrLink.target == QrTarget.ENTRY,
                             QrLink.target_id == entry_id, QrLink.lang.is_(None))
    )  # fmt: skip


def find_panel(session, typed: TypedCode) -> tuple[Exhibition, int] | None:
    """The exhibition and entry a typed panel code names, matched only against codes that exist: a panel's
    number now, a code printed for it before a renumber, or one an archived exhibition showed.

    When exhibition codes are prefixes of one another (CB25, CB251), the one the visitor set apart with a
    separator wins (`CB25-107`), else the longest (`CB25107` is CB251's panel 7 if it has one)."""
    exhibitions = session.scalars(select(Exhibition).where(Exhibition.code.in_(typed.prefixes())))
    ranked = sorted(exhibitions, key=lambda e: (len(e.code) not in typed.cuts, -len(e.code)))
    for exhibition in ranked:
        key = typed.panel_after(exhibition.code)
        entry_id = _entry_by_key(exhibition, key) if key else None
        if entry_id is not None:
            return exhibition, entry_id
    return None


def _entry_by_key(exhibition: Exhibition, key: str) -> int | None:
    entry = next((e for e in exhibition.entries if panel_key(e.panel_number) == key), None)
    if entry is not None:
        return entry.id
    printed = printed_keys(exhibition).get(key)
    return printed if printed is not None else _frozen_entry_by_panel(exhibition, key)


def _frozen_entry_by_panel(exhibition: Exhibition, key: str) -> int | None:
    if exhibition.status != ExhibitionStatus.ARCHIVED or not exhibition.frozen:
        return None
    view = exhibition.frozen["views"][exhibition.primary_language]
    for section in view["sections"]:
        for entry in section["entries"]:
            if panel_key(entry["panel_number"]) == key:
                return entry["id"]
    return None


@dataclass(frozen=True)
class Resolution:
    """Where a code leads: a page to redirect to, or why it cannot (`state`)."""

    link: QrLink
    state: str  # ok | draft | archived | removed | withdrawn | taken_down
    lang: str


def printed_language(link: QrLink) -> str:
    """The language a code was printed for. Every code is printed for one: a code with no language of its
    own (`lang` None, the panels' and pages' first codes) is the exhibition's primary language's."""
    return link.lang or link.exhibition.primary_language


def resolve(session, link: QrLink) -> Resolution:
    """What the link's target is now, and the language it was printed for: a taken-down exhibition first, then a
    withdrawn item (in an archived exhibition too), before the exhibition's status."""
    exhibition = link.exhibition
    lang = printed_language(link)
    if exhibition.taken_down:
        return Resolution(link, "taken_down", lang)
    if exhibition.status == ExhibitionStatus.DRAFT:
        return Resolution(link, "draft", lang)
    entry = session.get(Entry, link.target_id) if link.target == QrTarget.ENTRY else None
    if entry is not None and entry.section.exhibition_id == exhibition.id and str(entry.item.status) != "published":
        return Resolution(link, "withdrawn", lang)
    if exhibition.status == ExhibitionStatus.ARCHIVED:
        return Resolution(link, "archived", lang)
    if link.target == QrTarget.SECTION:
        section = session.get(Section, link.target_id)
        if section is None or section.exhibition_id != exhibition.id:
            return Resolution(link, "removed", lang)
    if link.target == QrTarget.ENTRY and (entry is None or entry.section.exhibition_id != exhibition.id):
        return Resolution(link, "removed", lang)
    return Resolution(link, "ok", lang)


NOT_PUBLIC = frozenset({"draft", "taken_down", "withdrawn"})  # resolutions that lead the public to nothing


def leads_to_public(session, link: QrLink) -> bool:
    """Whether the code leads the public somewhere (an archived or removed target still says where it was)."""
    return resolve(session, link).state not in NOT_PUBLIC


@dataclass(frozen=True)
class Destination:
    """Where an open link leads, as plain values a process may keep for a content generation: the link's id (for
    counting), the code printed on it, and what `resolve` said."""

    link_id: int
    code: str
    exhibition_id: int
    target: QrTarget
    target_id: int | None
    state: str
    lang: str


def destination(session, raw: str) -> Destination | None:
    """Where a code (as printed or typed) leads now, or None if no link has it."""
    link = find_link(session, raw)
    if link is None:
        return None
    found = resolve(session, link)
    return Destination(link.id, link.code, link.exhibition_id, link.target, link.target_id, found.state, found.lang)


def scan_visitor(secret_key: str | bytes, link_id: int, address: str | None, browser: str | None, day: date) -> str:
    """Who scanned, as a keyed hash (HMAC-SHA256) of the code, the address, the browser and the day: the same
    for a burst of scans of one panel from one client on one day, and nothing that names them (without the
    secret it cannot even be tried against an address; the day in it keeps two days' scans apart)."""
    # The key comes from the app's secret key, which every web process and machine of a site shares (sessions
    # need it too), so one client's scans count once wherever they land; derived, to keep the two uses apart.
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = hmac.new(secret, b"vitrine qr scan visitors", hashlib.sha256).digest()
    message = "\n".join([str(link_id), address or "", (browser or "")[:500], day.isoformat()]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def forget_past_scan_visitors(app) -> int:
    """Delete the scan visitors of days before today, whether or not anyone scanned today (a housekeeping task:
    the hashes are kept for their day only); how many went."""
    with unit("forget past scan visitors") as session:
        return session.execute(delete(QrScanVisitor).where(QrScanVisitor.day < date.today())).rowcount or 0


def count_scan(connection, link_id: int, day: date, visitor: str | None = None) -> bool:
    """Add one scan to the day's count, unless `visitor` (scan_visitor) already scanned this code today;
    whether it counted. Each step is one statement, so web processes on several machines never race: the
    visitor's row is inserted or found (a unique key), the count upserted; the rows of past days are deleted by
    the first scan of a day in each process (the day is in the key: a row of yesterday matches no scan today)."""
    first, counted = _SCAN_STATEMENTS[connection.dialect.name]
    if visitor is not None:
        if _swept.get(connection.engine) != day:
            connection.execute(delete(QrScanVisitor).where(QrScanVisitor.day < day))
            _swept[connection.engine] = day
        # RETURNING, not rowcount: psycopg's rowcount does not tell an insert from a conflict here.
        if connection.execute(first, {"day": day, "visitor": visitor}).first() is None:
            return False
    connection.execute(counted, {"link": link_id, "day": day})
    return True


def _scan_statements(dialect) -> tuple:
    first = (dialect.insert(QrScanVisitor).values(day=bindparam("day"), visitor=bindparam("visitor"))
             .on_conflict_do_nothing().returning(QrScanVisitor.visitor))  # fmt: skip
    counted = (
        dialect.insert(QrScanDay)
        .values(qr_link_id=bindparam("link"), day=bindparam("day"), count=1)
        .on_conflict_do_update(index_elements=["qr_link_id", "day"], set_={"count": QrScanDay.count + 1})
    )
    return first, counted


_SCAN_STATEMENTS = {"sqlite": _scan_statements(sqlite), "postgresql": _scan_statements(postgresql)}


def counted_today(engine, day: date, visitor: str) -> bool:
    """Whether this process already recorded `visitor` (scan_visitor) today in `engine`'s database: its row is
    there, so another scan would count nothing, and it need not be written again (a burst of scans from one phone,
    a messaging app fetching a shared link's preview)."""
    seen = _seen.get(engine)
    return seen is not None and seen[0] == day and visitor in seen[1]


def note_counted(engine, day: date, visitor: str) -> None:
    """Remember, for this process, that `visitor`'s row is committed for `day` (after the unit that wrote it)."""
    seen = _seen.get(engine)
    if seen is None or seen[0] != day or len(seen[1]) >= SEEN_MAX:
        seen = _seen[engine] = (day, set())
    seen[1].add(visitor)


SEEN_MAX = 50_000  # visitors remembered a day per process (about 6 MB); past it the set starts again
# engine → (day, the visitors this process recorded that day): by engine, so two databases never share one.
_seen: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# engine → the day its past visitors were last deleted by this process (a rolled-back sweep leaves them to the
# next day's: they count nothing meanwhile).
_swept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def primary_links(session, exhibitions: list[Exhibition]) -> dict:
    """The primary-language QR links of the exhibitions, by (exhibition id, target, target id)."""
    ids = [e.id for e in exhibitions]
    links = session.scalars(select(QrLink).where(QrLink.exhibition_id.in_(ids), QrLink.lang.is_(None))) if ids else []
    return {(link.exhibition_id, str(link.target), link.target_id): link for link in links}
