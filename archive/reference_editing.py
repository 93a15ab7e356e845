"""The reference data as admins change it: vocabularies and their terms, venues abroad, contributing
bodies. Each has a label per language with its translation state; every change is audited.

Provinces are not edited here: they are the state's reference (archive.reference), read-only on
the pages. Renaming a term, venue or body re-indexes the items that name it: archive.indexing sees
the changed labels in the same flush.
"""

import re
from dataclasses import dataclass

from babel import Locale
from sqlalchemy import func, select

from archive.models import Body, BodyKind, LabelState, Place, PlaceKind, Scheme, Term
from core.audit import history, record_event
from core.errors import NotFound, ValidationError
from core.history_presenter import HistoryEntry, HistoryPresenter, labelled
from core.i18n import _, _l, current_language, ui_languages
from core.languages import REFERENCE_LANGUAGE, normalise_tag
from core.permissions import Permission, require
from core.validation import Problems, check_text

LABEL_LIMIT = 500
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
# What each kind of record is called in audit events, and where its labels live.
KINDS = {"scheme": (Scheme, "labels", 40), "term": (Term, "labels", 60), "place": (Place, "names", 60),
         "body": (Body, "names", 60)}  # fmt: skip
STATE_LABELS = {
    LabelState.SHIPPED: _l("as shipped"),
    LabelState.DRAFT: _l("draft"),
    LabelState.REVIEWED: _l("reviewed"),
}
MISSING = "missing"
KIND_LABELS = {
    BodyKind.MINISTRY: _l("Ministry"),
    BodyKind.PROVINCE: _l("Province"),
    BodyKind.PRESS: _l("Press agency"),
    BodyKind.OTHER: _l("Other"),
}


@dataclass(frozen=True)
class LabelRow:
    """One language of a record's labels as a page shows it: the label (or none) and its state."""

    lang: str
    label: str
    state: str  # a LabelState, or "missing"


def _require_admin(user) -> None:
    require(user, Permission.MANAGE_REFERENCE, _("Only an admin may change the vocabularies, venues and bodies."))


def record_type(record) -> str:
    """The name of a record's kind in audit events: scheme, term, place or body."""
    return next(name for name, (model, _a, _n) in KINDS.items() if isinstance(record, model))


def labels_of(record) -> dict:
    """A record's labels (terms, schemes) or names (places, bodies), by language."""
    return dict(getattr(record, KINDS[record_type(record)][1]) or {})


def state_of(record, lang: str) -> str:
    """The translation state of one language's label: missing, as shipped, draft or reviewed."""
    if not labels_of(record).get(lang):
        return MISSING
    return (record.translation_states or {}).get(lang, LabelState.SHIPPED)


def other_languages(record, languages: list[str]) -> list[str]:
    """The languages a record is labelled in besides `languages`."""
    return [lang for lang in labels_of(record) if lang not in languages]


def label_rows(record, languages: list[str] | None = None) -> list[LabelRow]:
    """The interface languages first (missing ones too), then every other language labelled."""
    labels = labels_of(record) if record is not None else {}
    langs = dict.fromkeys([*(languages or ui_languages()), *labels])
    return [LabelRow(lang, labels.get(lang, ""), state_of(record, lang) if record else MISSING) for lang in langs]


def snapshot(record) -> dict:
    """A record as plain data, for audit events: its code, labels with their states, and its own fields."""
    data = {"code": record.code,
            "labels": {lang: {"label": label, "state": str(state_of(record, lang))}
                       for lang, label in labels_of(record).items()}}  # fmt: skip
    if isinstance(record, Term):
        data["scheme"] = record.scheme.code if record.scheme else None
    if isinstance(record, Place):
        data["country"] = record.country
    if isinstance(record, Body):
        data["kind"] = str(record.kind)
    return data


# --- Reading -----------------------------------------------------------------------------------


def get_record(session, kind: str, record_id: int):
    """A scheme, term, venue abroad or body by id; NotFound otherwise (provinces are not edited here)."""
    record = session.get(KINDS[kind][0], record_id)
    if record is None or (kind == "place" and record.kind != PlaceKind.ABROAD):
        raise NotFound(_("No such record."))
    return record


def venues(session) -> list[Place]:
    """The places abroad, by code."""
    return list(session.scalars(select(Place).where(Place.kind == PlaceKind.ABROAD).order_by(Place.code)))


def bodies(session) -> list[Body]:
    """The contributing bodies, by kind then code."""
    return sorted(session.scalars(select(Body)), key=lambda b: (list(BodyKind).index(b.kind), b.code))


def provinces(session) -> list[Place]:
    """The provinces and cities of Vietnam, current ones first, then those merged in 2025."""
    rows = session.scalars(select(Place).where(Place.kind != PlaceKind.ABROAD))
    return sorted(rows, key=lambda p: (p.valid_to is not None, p.code))


def countries() -> list[tuple[str, str]]:
    """(ISO 3166 code, name in the reader's language) of every country but Vietnam, by name."""
    names = Locale.parse(current_language()).territories
    return sorted(((code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()
                   and code != "VN"), key=lambda pair: pair[1])  # fmt: skip


# --- Changing ----------------------------------------------------------------------------------


def create_scheme(session, user, code: str, labels: dict) -> Scheme:
    """A new vocabulary, last in order."""
    _require_admin(user)
    problems = Problems()
    position = (session.scalar(select(func.max(Scheme.position))) or 0) + 1
    scheme = Scheme(code=_new_code(session, "scheme", code, problems), position=position, labels={})
    return _create(session, user, scheme, labels, problems)


def create_term(session, user, scheme: Scheme, code: str, labels: dict) -> Term:
    """A new term, last in its vocabulary."""
    _require_admin(user)
    problems = Problems()
    position = (session.scalar(select(func.max(Term.position)).where(Term.scheme_id == scheme.id)) or 0) + 1
    term = Term(code=_new_code(session, "term", code, problems), scheme_id=scheme.id, position=position, labels={})
    return _create(session, user, term, labels, problems)


def create_venue(session, user, code: str, country: str, names: dict) -> Place:
    """A new place abroad: a city or venue where exhibitions are shown."""
    _require_admin(user)
    problems = Problems()
    venue = Place(code=_new_code(session, "place", code, problems), kind=PlaceKind.ABROAD,
                  country=_country(country, problems), names={})  # fmt: skip
    return _create(session, user, venue, names, problems)


def create_body(session, user, code: str, kind: str, names: dict) -> Body:
    """A new contributing body."""
    _require_admin(user)
    problems = Problems()
    body = Body(code=_new_code(session, "body", code, problems), kind=_body_kind(kind, problems), names={})
    return _create(session, user, body, names, problems)


def update_record(session, user, record, labels: dict, fields: dict | None = None):
    """New labels (and, for a venue its country, for a body its kind) of an existing record; audited."""
    _require_admin(user)
    if isinstance(record, Place) and record.kind != PlaceKind.ABROAD:
        raise ValidationError(_("Provinces are the state's reference data: they are not edited here."))
    before = snapshot(record)
    problems = Problems()
    fields = fields or {}
    if isinstance(record, Place) and "country" in fields:
        record.country = _country(fields["country"], problems) or record.country
    if isinstance(record, Body) and "kind" in fields:
        record.kind = _body_kind(fields["kind"], problems) or record.kind
    _apply_labels(record, labels, problems)
    problems.raise_if_any()  # the caller's unit (or its attempt) undoes what was set
    session.flush()
    after = snapshot(record)
    if after != before:
        record_event(session, user, record_type(record), record.id, "update", before, after, keep=("code",))
    return record


def _create(session, user, record, labels: dict, problems: Problems):
    _apply_labels(record, labels, problems)
    problems.raise_if_any()
    session.add(record)
    session.flush()
    record_event(session, user, record_type(record), record.id, "create", None, snapshot(record))
    return record


def _new_code(session, kind: str, code: str, problems: Problems) -> str:
    model, _attribute, limit = KINDS[kind]
    code = (code or "").strip()
    if not _CODE.fullmatch(code) or len(code) > limit:
        problems.add("code", _("A code is made of letters, digits and hyphens, at most %(limit)s characters.",
                               limit=limit))  # fmt: skip
    elif session.scalar(select(model.id).where(func.lower(model.code) == code.lower())) is not None:
        problems.add("code", _("The code %(code)s is already used.", code=code))
    return code


def _country(code: str, problems: Problems) -> str | None:
    code = (code or "").strip().upper()
    if code not in dict(countries()):
        problems.add("country", _("Choose the country of the venue."))
        return None
    return code


def _body_kind(kind: str, problems: Problems) -> BodyKind | None:
    try:
        return BodyKind(kind)
    except ValueError:
        problems.add("kind", _("Choose the kind of body."))
        return None


def _apply_labels(record, submitted: dict, problems: Problems) -> None:
    """Set the labels from {lang: (label, state)}: a language left empty loses its label; a shipped
    label changed here becomes a draft; Vietnamese is required."""
    old = labels_of(record)
    labels, states = {}, {}
    for raw_lang, (text, state) in submitted.items():
        lang = problems.check(normalise_tag, raw_lang, f"labels.{raw_lang}")
        # Refused before folding to one line, which would hide most of them as spaces.
        text = " ".join(check_text(text or "", _("Label"), f"labels.{lang or raw_lang}", problems).split())
        if not lang or not text:
            continue
        if len(text) > LABEL_LIMIT:
            problems.add(f"labels.{lang}", _("A label has at most %(limit)s characters.", limit=LABEL_LIMIT))
        try:
            state = LabelState(state or LabelState.DRAFT)
        except ValueError:
            problems.add(f"labels.{lang}", _("Unknown translation state: %(state)s.", state=state))
            continue
        if state == LabelState.SHIPPED and text != old.get(lang):
            state = LabelState.DRAFT  # no longer the shipped text
        labels[lang], states[lang] = text, str(state)
    if not labels.get(REFERENCE_LANGUAGE):
        problems.add(f"labels.{REFERENCE_LANGUAGE}", _("The Vietnamese label is required."))
    if labels != old:
        setattr(record, KINDS[record_type(record)][1], labels)
    if states != (record.translation_states or {}):
        record.translation_states = states


# --- History -----------------------------------------------------------------------------------

FIELD_LABELS = {"code": _l("Code"), "scheme": _l("Vocabulary"), "country": _l("Country"), "kind": _l("Kind"),
                "labels": _l("Labels")}  # fmt: skip


def record_history(session, record) -> list[HistoryEntry]:
    """A record's audit events, newest first, as people read them."""
    country_names = dict(countries())
    presenter = HistoryPresenter(
        labels=FIELD_LABELS,
        formatters={"kind": labelled(KIND_LABELS), "country": labelled(country_names)},
        texts={"labels": {"label": _l("Name"), "state": _l("Translation state")}},
        text_formatters={"state": labelled(STATE_LABELS)},
        actions=lambda action: {"create": _("Created"), "update": _("Changed")}.get(action, action),
    )
    return presenter.present(history(session, record_type(record), record.id))
