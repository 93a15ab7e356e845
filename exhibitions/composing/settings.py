"""Composing exhibitions: their settings and texts per language, and who may change them.

Services flush; the caller's unit of work commits.
"""

import re
import unicodedata
from datetime import date

from sqlalchemy import select

from archive.models import Place, PlaceKind, TextState
from core.audit import record_event
from core.auth import User
from core.db import utcnow
from core.errors import Conflict, Forbidden, NotFound, VersionRequired
from core.i18n import _, _l
from core.languages import REFERENCE_LANGUAGE, normalise_tag
from core.permissions import Permission, require
from core.validation import Problems, check_text, expected_version
from exhibitions import qr
from exhibitions.models import Exhibition, ExhibitionMode, ExhibitionStatus, ExhibitionText

CODE_PATTERN = re.compile(r"^[A-Z0-9]{2,10}$")
LIMITS = {"title": 500, "introduction": 20000, "body": 20000, "caption": 2000}
# How a refusal names each text field (they are shown beside the field in forms, named by `field` in the API).
TEXT_LABELS = {"title": _l("Title"), "introduction": _l("Introduction"), "body": _l("Section text"),
               "caption": _l("Caption")}  # fmt: skip


def check_curator(user: User) -> None:
    """Only curators and admins compose exhibitions."""
    require(user, Permission.COMPOSE_EXHIBITIONS, _("Only a curator or an admin may change exhibitions."))


def check_editable(user: User, exhibition: Exhibition) -> None:
    """Curators change exhibitions until they are archived; archived ones are frozen."""
    check_curator(user)
    if exhibition.status == ExhibitionStatus.ARCHIVED:
        raise Forbidden(_("This exhibition is archived: what was shown is frozen and cannot change."))


def check_version(exhibition: Exhibition, expected, required: bool = False) -> None:
    """Refuse a save made from an old copy of the exhibition, or made without saying its version when `required`."""
    expected = expected_version(expected)
    if expected is None and required:
        # Texts are written whole: a change from an unknown version would silently undo another's.
        raise VersionRequired(
            _("Send the version of the exhibition you changed (version %(current)s is the latest): without it, "
              "this change could overwrite someone else's.", current=exhibition.version),
            field="version",
        )  # fmt: skip
    if expected is not None and expected != exhibition.version:
        raise Conflict(_("Someone else changed this exhibition meanwhile. Reload it and try again."), field="version")


def get_exhibition(session, exhibition_id: int) -> Exhibition:
    """Any exhibition, for staff; NotFound if there is none."""
    exhibition = session.get(Exhibition, exhibition_id)
    if exhibition is None:
        raise NotFound(_("There is no exhibition %(id)s.", id=exhibition_id))
    return exhibition


# --- Settings and texts --------------------------------------------------------------------


def clean_text(value, field: str, problems: Problems, limit_name=None) -> str | None:
    if value is not None and not isinstance(value, str):
        problems.add(field, _("%(field)s must be text.", field=field))
        return None
    name = limit_name or field.split(".")[-1]
    text = check_text(unicodedata.normalize("NFC", (value or "").strip()), str(TEXT_LABELS.get(name, name)), field,
                      problems)  # fmt: skip
    limit = LIMITS.get(name)
    if limit and len(text) > limit:
        problems.add(field, _("Too long: %(length)s characters, at most %(limit)s.", length=len(text), limit=limit))
    return text or None


def text_state(value, field: str, problems: Problems) -> TextState:
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
    if exhibition.code and code != exhibition.code and exhibition.printed_codes:
        # Every printed panel code begins with it: a new prefix would strand them.
        problems.add("code", _("Panel codes beginning with %(code)s have been printed: the exhibition's code can "
                               "no longer change.", code=exhibition.code))  # fmt: skip
        return
    exhibition.code = code


def _apply_texts(exhibition: Exhibition, texts: dict, problems: Problems) -> None:
    """Set title and introduction per language; languages left out are kept."""
    for raw_tag, values in (texts or {}).items():
        tag = problems.check(normalise_tag, raw_tag, f"texts.{raw_tag}")
        if not tag:
            continue
        values = values or {}
        title = clean_text(values.get("title"), f"texts.{tag}.title", problems, limit_name="title")
        intro = clean_text(values.get("introduction"), f"texts.{tag}.introduction", problems, limit_name="introduction")
        state = text_state(values.get("state"), f"texts.{tag}.state", problems)
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
    """Change the settings and texts present in `data`; a change of texts is refused without `expected_version`."""
    check_editable(user, exhibition)
    check_version(exhibition, expected_version, required=bool(data.get("texts")))
    before = snapshot(exhibition)
    problems = Problems()
    with session.no_autoflush:
        _apply_settings(session, exhibition, data, problems, partial=True)
        _apply_texts(exhibition, data.get("texts"), problems)
    problems.raise_if_any()  # the caller's unit (or its attempt) undoes what was set
    touch(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)  # a language added now gets its codes for pages and books
    record_event(session, user, "exhibition", exhibition.id, "update", before, snapshot(exhibition))
    return exhibition


def touch(exhibition: Exhibition) -> None:
    """Mark the exhibition changed: new version and time, even when only a child row changed."""
    exhibition.updated_at = utcnow()
