"""Item rules: create, edit, texts per language, terms and tags. Services flush, never commit."""

from collections import namedtuple
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import insert, select
from sqlalchemy.orm.exc import StaleDataError

from archive import rights
from archive.dates import parse_date
from archive.models import (
    Body,
    Item,
    ItemStatus,
    ItemTag,
    ItemText,
    ItemType,
    Place,
    Term,
    TextState,
    item_terms,
)
from core.audit import AuditEvent, record_event
from core.auth import User
from core.db import utcnow
from core.errors import Conflict, Forbidden, ValidationError, VersionRequired
from core.i18n import _, _l
from core.languages import REFERENCE_LANGUAGE, normalise_tag
from core.permissions import Permission, can
from core.search import record_changes
from core.validation import Problems, check_text, expected_version

ITEM_FIELDS = ("reference_code", "type", "date", "place", "creator", "body", "rights", "rights_note", "rights_flagged",
               "source_archive", "fonds")  # fmt: skip
TEXT_FIELDS = ("title", "description", "caption", "transcription")
LIMITS = {"reference_code": 80, "creator": 255, "source_archive": 255, "fonds": 255, "rights": 2000,
          "rights_note": 2000, "title": 500, "description": 20000, "caption": 2000, "transcription": 200000,
          "tag": 100}  # fmt: skip
# How many tags, terms and languages of texts one item may have: far above what describing an item takes (the demo's
# most have 6, 4 and 3), low enough that one save stays a fraction of a second (20,000 tags took 43 s).
MAX_TAGS, MAX_TERMS, MAX_TEXTS = 200, 200, 50


def snapshot(item: Item) -> dict:
    """The item as plain data, for audit events and the API."""
    return {
        "reference_code": item.reference_code,
        "type": str(item.type) if item.type else None,
        "date": item.date_text,
        "place": item.place.code if item.place else None,
        "creator": item.creator,
        "body": item.body.code if item.body else None,
        "rights": item.rights,
        "rights_note": item.rights_note,
        **_flag(item.rights_flagged),
        "source_archive": item.source_archive,
        "fonds": item.fonds,
        "status": str(item.status) if item.status else None,
        "terms": [t.code for t in item.terms],
        "tags": [t.label for t in item.tags],
        "texts": {t.lang: {f: getattr(t, f) for f in TEXT_FIELDS} | {"state": str(t.state)} for t in item.texts},
    }


def _flag(flagged: bool) -> dict:
    # Recorded only while set: events from before 0010 have no flag, and an edit would show it appearing.
    return {"rights_flagged": True} if flagged else {}


def _clean_text(value, field_name: str, problems: Problems, required=False) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        problems.add(field_name, _("%(field)s must be text.", field=field_name))
        return None
    text = check_text(text, _field_label(field_name), field_name, problems)
    if required and not text:
        problems.add(field_name, _("%(field)s is required.", field=_field_label(field_name)))
    limit = LIMITS.get(field_name.split(".")[-1])
    if limit and len(text) > limit:
        problems.add(
            field_name,
            _("%(field)s is too long: %(length)s characters, at most %(limit)s.",
              field=_field_label(field_name), length=len(text), limit=limit),
        )  # fmt: skip
    return text or None


# Lazy: a row's texts pass here a dozen times and a label is read only when a problem names it (translating the
# whole table at each call was most of a dry run's time: 40 rows a second).
_FIELD_LABELS = {
    "reference_code": _l("Reference code"), "type": _l("Type"), "date": _l("Date"), "place": _l("Place"),
    "creator": _l("Creator"), "body": _l("Contributing body"), "rights": _l("Rights"),
    "rights_note": _l("Rights note"), "rights_flagged": _l("Rights to review"),
    "source_archive": _l("Source archive"), "fonds": _l("Fonds"), "title": _l("Title"),
    "description": _l("Description"), "caption": _l("Caption"), "transcription": _l("Transcription"),
    "tag": _l("Tag"), "lang": _l("Language"), "state": _l("Text state"),
}  # fmt: skip


def _field_label(name: str):
    base = name.split(".")[-1]
    return _FIELD_LABELS.get(base, base)


class SessionLookups:
    """Places, bodies, terms and reference codes as the database holds them now: one query each."""

    def __init__(self, session):
        self.session = session

    def code_taken(self, code: str, item_id: int | None = None) -> bool:
        query = select(Item.id).where(Item.reference_code == code, Item.id != item_id)
        return self.session.scalar(query) is not None

    def place(self, code: str):
        return self.session.scalar(select(Place).where(Place.code == code))

    def body(self, code: str):
        return self.session.scalar(select(Body).where(Body.code == code))

    def terms(self, codes: list[str]) -> dict:
        return {t.code: t for t in self.session.scalars(select(Term).where(Term.code.in_(codes)))}


Ref = namedtuple("Ref", "id code")


class PreloadedLookups:
    """The same lookups answered from one read of each table, for validating many rows at once.

    Answers are `Ref(id, code)` records rather than ORM objects, so a commit between batches
    does not expire them. Codes added by others meanwhile are not seen: the insert's unique
    constraint still refuses a clash, and the caller falls back to create_item for that batch.
    """

    def __init__(self, session):
        def refs(model):
            return {code: Ref(id_, code) for id_, code in session.execute(select(model.id, model.code))}

        self.places, self.bodies, self.term_refs = refs(Place), refs(Body), refs(Term)
        self.codes = set(session.scalars(select(Item.reference_code)))

    def code_taken(self, code: str, item_id: int | None = None) -> bool:
        return code in self.codes

    def place(self, code: str) -> Ref | None:
        return self.places.get(code)

    def body(self, code: str) -> Ref | None:
        return self.bodies.get(code)

    def terms(self, codes: list[str]) -> dict:
        return {c: self.term_refs[c] for c in codes if c in self.term_refs}


def _field_values(data: dict, lookups, problems: Problems, partial: bool, item_id: int | None = None) -> dict:
    """The item's own fields present in `data`, validated, as attribute values."""
    values = {}
    if "reference_code" in data or not partial:
        code = _clean_text(data.get("reference_code"), "reference_code", problems, required=True)
        if code:
            if lookups.code_taken(code, item_id):
                problems.add(
                    "reference_code", _("The reference code %(code)s is already used by another item.", code=code)
                )
            values["reference_code"] = code
    if "type" in data or not partial:
        try:
            values["type"] = ItemType(data.get("type"))
        except ValueError:
            problems.add("type", _("Unknown item type: %(type)s.", type=data.get("type")))
    if "date" in data:
        raw = _clean_text(data.get("date"), "date", problems)
        if raw:
            parsed = problems.check(parse_date, raw)
            if parsed:
                values |= {"date_text": parsed.text, "date_start": parsed.start, "date_end": parsed.end,
                           "date_approximate": parsed.approximate}  # fmt: skip
        else:
            values |= {"date_text": None, "date_start": None, "date_end": None, "date_approximate": False}
    if "place" in data:
        values["place"] = _lookup(lookups.place, data.get("place"), "place", problems)
    if "body" in data:
        values["body"] = _lookup(lookups.body, data.get("body"), "body", problems)
    if "rights" in data or not partial:
        values["rights"] = _rights_value(data.get("rights"), problems)
    if "rights_flagged" in data:
        if not isinstance(data["rights_flagged"], bool):
            problems.add("rights_flagged", _("%(field)s must be true or false.", field=_field_label("rights_flagged")))
        values["rights_flagged"] = bool(data["rights_flagged"])
    for name in ("creator", "rights_note", "source_archive", "fonds"):
        if name in data:
            values[name] = _clean_text(data.get(name), name, problems)
    return values


def _rights_value(value, problems: Problems) -> str | None:
    """The canonical URI of the statement given (archive.rights.canonical); none given is Copyright Not Evaluated."""
    text = _clean_text(value, "rights", problems)
    if not text:
        return rights.NOT_EVALUATED
    uri = rights.canonical(text)
    if uri is None:
        shown = text if len(text) <= 80 else f"{text[:79]}…"
        problems.add(
            "rights",
            _("Unknown rights statement: “%(value)s”. Give the URI of a RightsStatements.org statement or of a "
              "Creative Commons 4.0 licence, CC0 or the Public Domain Mark, or its short name (InC, CC BY 4.0).",
              value=shown),
        )  # fmt: skip
    return uri


def _apply_fields(session, item: Item, data: dict, problems: Problems, partial: bool) -> None:
    """Validate and set the item's own fields present in `data`; choosing other rights settles their review
    unless `data` says otherwise."""
    values = _field_values(data, SessionLookups(session), problems, partial, item.id)
    if "rights" in values and values["rights"] != item.rights:
        values.setdefault("rights_flagged", False)
    for name, value in values.items():
        setattr(item, name, value)


def _lookup(find, code, field_name, problems):
    if not code:
        return None
    row = find(str(code).strip())
    if row is None:
        problems.add(field_name, _("Unknown %(field)s: %(code)s.", field=_field_label(field_name).lower(), code=code))
    return row


def _term_values(codes, lookups, problems: Problems) -> list:
    codes = [str(c).strip() for c in (codes or []) if str(c).strip()]
    if len(codes) > MAX_TERMS:
        problems.add("terms", _("An item may have at most %(limit)s terms; %(count)s were given.",
                                limit=MAX_TERMS, count=len(codes)))  # fmt: skip
        return []
    found = lookups.terms(codes) if codes else {}
    unknown = [c for c in codes if c not in found]
    if unknown:
        problems.add("terms", _("Unknown terms: %(codes)s.", codes=", ".join(unknown)))
    return [found[c] for c in dict.fromkeys(codes) if c in found]


def _apply_terms(session, item: Item, codes, problems: Problems) -> None:
    item.terms = _term_values(codes, SessionLookups(session), problems)


def _tag_labels(labels, problems: Problems) -> list[str]:
    labels = list(labels or [])
    if len(labels) > MAX_TAGS:
        problems.add("tags", _("An item may have at most %(limit)s tags; %(count)s were given.",
                               limit=MAX_TAGS, count=len(labels)))  # fmt: skip
        return []
    cleaned, seen = [], set()
    for raw in labels:
        label = _clean_text(raw, "tags", problems)
        if label and len(label) > LIMITS["tag"]:
            problems.add("tags", _("A tag may have at most %(limit)s characters.", limit=LIMITS["tag"]))
        elif label and label.casefold() not in seen:
            seen.add(label.casefold())
            cleaned.append(label)
    return cleaned


def _apply_tags(item: Item, labels, problems: Problems) -> None:
    existing = {t.label: t for t in item.tags}
    item.tags = [existing.get(label) or ItemTag(label=label) for label in _tag_labels(labels, problems)]


# A bulk import asks for the same few tags on every row; a refusal is an exception, never cached.
_canonical_tag = lru_cache(maxsize=512)(normalise_tag)


def _text_values(texts: dict, problems: Problems) -> dict[str, dict]:
    """The texts per canonical language tag, each validated."""
    wanted = {}
    if len(texts or {}) > MAX_TEXTS:
        _too_many_texts(len(texts), problems)
        return wanted
    for raw_tag, values in (texts or {}).items():
        tag = problems.check(_canonical_tag, raw_tag, f"texts.{raw_tag}.lang")
        if not tag:
            continue
        if tag in wanted:
            problems.add(f"texts.{raw_tag}", _("The language %(tag)s is given twice.", tag=tag))
            continue
        wanted[tag] = _validated_text(tag, values or {}, problems)
    return wanted


def _apply_texts(item: Item, texts: dict, problems: Problems, replace: bool) -> None:
    """Set texts per language; with `replace`, languages not given are removed."""
    wanted = _text_values(texts, problems)
    current = {t.lang: t for t in item.texts}
    for tag, values in wanted.items():
        row = current.get(tag) or ItemText(lang=tag)
        for name, value in values.items():
            setattr(row, name, value)
        if tag not in current:
            item.texts.append(row)
    if replace:
        item.texts = [t for t in item.texts if t.lang in wanted]
    if len(item.texts) > MAX_TEXTS:  # the caller's unit undoes what was set
        _too_many_texts(len(item.texts), problems)


def _too_many_texts(count: int, problems: Problems) -> None:
    problems.add("texts", _("An item may have texts in at most %(limit)s languages; this would make %(count)s.",
                            limit=MAX_TEXTS, count=count))  # fmt: skip


def _validated_text(tag: str, values: dict, problems: Problems) -> dict:
    out = {}
    for name in TEXT_FIELDS:
        if name in values:
            out[name] = _clean_text(values.get(name), f"texts.{tag}.{name}", problems, required=name == "title")
    if "title" not in values:
        problems.add(f"texts.{tag}.title", _("The title in %(tag)s is required.", tag=tag))
    state = values.get("state", TextState.DRAFT)
    try:
        out["state"] = TextState(state)
    except ValueError:
        problems.add(f"texts.{tag}.state", _("Unknown text state: %(state)s.", state=state))
    return out


def edit_refusal(user: User, item: Item) -> str | None:
    """Why the user may not change the item now, or None: every staff member edits drafts, only
    those who may edit any item change it after; nobody changes a harvested item here."""
    if refusal := harvested_refusal(item):
        return refusal
    if item.status != ItemStatus.DRAFT and not can(user, Permission.EDIT_ANY_ITEM):
        return _("This item is %(status)s: only a curator or an admin may change it now.",
                 status=status_label(item.status))  # fmt: skip
    return None


def harvested_refusal(item: Item) -> str | None:
    """Why a harvested item is read-only here, or None for the archive's own items."""
    if item.id is None or item.provenance is None:
        return None
    return _("This item is harvested from %(source)s: it is changed there, and here only by harvesting.",
             source=item.provenance.repository.display_name)  # fmt: skip


def check_can_edit(user: User, item: Item) -> None:
    """Forbidden, saying why, unless the user may change the item now."""
    refusal = edit_refusal(user, item)
    if refusal:
        raise Forbidden(refusal, field="status")


def status_label(status) -> str:
    """The name of a status in the reader's language."""
    return {
        ItemStatus.DRAFT: _("draft"),
        ItemStatus.REVIEW: _("in review"),
        ItemStatus.PUBLISHED: _("published"),
        ItemStatus.WITHDRAWN: _("withdrawn"),
    }[ItemStatus(status)]


@dataclass
class ItemDraft:
    """A new item's validated values, before it has a row: what create_item and create_items store."""

    fields: dict
    terms: list
    tags: list[str]
    texts: dict[str, dict]

    def snapshot(self) -> dict:
        """The audit snapshot the item will have once stored: `snapshot()` of the created item."""
        f, place, body = self.fields, self.fields.get("place"), self.fields.get("body")
        return {
            "reference_code": f.get("reference_code"), "type": str(f["type"]), "date": f.get("date_text"),
            "place": place.code if place else None, "creator": f.get("creator"),
            "body": body.code if body else None, "rights": f.get("rights"), "rights_note": f.get("rights_note"),
            **_flag(f.get("rights_flagged", False)),
            "source_archive": f.get("source_archive"), "fonds": f.get("fonds"), "status": str(ItemStatus.DRAFT),
            "terms": [t.code for t in self.terms], "tags": list(self.tags),
            "texts": {lang: {n: values.get(n) for n in TEXT_FIELDS} | {"state": str(values["state"])}
                      for lang, values in self.texts.items()},
        }  # fmt: skip


def validate_new_item(data: dict, lookups) -> ItemDraft:
    """A new item's values checked as create_item checks them; ValidationError lists every problem."""
    problems = Problems()
    draft = ItemDraft(
        fields=_field_values(data, lookups, problems, partial=False),
        terms=_term_values(data.get("terms"), lookups, problems),
        tags=_tag_labels(data.get("tags"), problems),
        texts=_text_values(data.get("texts"), problems),
    )
    problems.raise_if_any()
    return draft


def create_item(session, user: User, data: dict) -> Item:
    """A new draft item from validated-or-not data; ValidationError lists every problem."""
    with session.no_autoflush:
        draft = validate_new_item(data, SessionLookups(session))
        item = Item(status=ItemStatus.DRAFT, created_by=user, updated_by=user, **draft.fields)
        item.terms = draft.terms
        item.tags = [ItemTag(label=label) for label in draft.tags]
        item.texts = [ItemText(lang=lang, **values) for lang, values in draft.texts.items()]
    session.add(item)
    session.flush()
    record_event(session, user, "item", item.id, "create", None, snapshot(item))
    return item


def create_items(session, user: User, drafts: list[ItemDraft]) -> list[int]:
    """create_item for many validated drafts in one executemany per table; returns their ids.

    The same rows as create_item: item, texts, terms, tags, a "create" audit event each, and
    an outbox task each. Core inserts skip the ORM flush (a flush per item was most of the
    cost of a bulk import), so the outbox tasks that indexing's after_flush hook would record
    are recorded here. Flushes nothing, commits nothing.
    """
    if not drafts:
        return []
    conn, now, user_id = session.connection(), utcnow(), getattr(user, "id", None)
    conn.execute(insert(Item.__table__), [_item_row(draft, user_id, now) for draft in drafts])
    # Read back by reference code (unique): RETURNING in parameter order makes SQLite insert row by row.
    codes = [draft.fields["reference_code"] for draft in drafts]
    id_of = dict(conn.execute(select(Item.reference_code, Item.id).where(Item.reference_code.in_(codes))).all())
    ids = [id_of[code] for code in codes]
    pairs = list(zip(ids, drafts, strict=True))
    texts = [{"item_id": i, "lang": lang, "updated_at": now, **dict.fromkeys(TEXT_FIELDS), **values}
             for i, d in pairs for lang, values in d.texts.items()]  # fmt: skip
    terms = [{"item_id": i, "term_id": term.id} for i, d in pairs for term in d.terms]
    tags = [{"item_id": i, "label": label} for i, d in pairs for label in d.tags]
    events = [{"occurred_at": now, "user_id": user_id, "record_type": "item", "record_id": i, "action": "create",
               "before": None, "after": d.snapshot(), "comment": None} for i, d in pairs]  # fmt: skip
    for table, rows in ((ItemText.__table__, texts), (item_terms, terms), (ItemTag.__table__, tags),
                        (AuditEvent.__table__, events)):  # fmt: skip
        if rows:
            conn.execute(insert(table), rows)
    record_changes(session, ids)
    return ids


def _item_row(draft: ItemDraft, user_id: int | None, now) -> dict:
    f, place, body = draft.fields, draft.fields.get("place"), draft.fields.get("body")
    return {
        "reference_code": f["reference_code"], "type": f["type"], "date_text": f.get("date_text"),
        "date_start": f.get("date_start"), "date_end": f.get("date_end"),
        "date_approximate": f.get("date_approximate", False), "place_id": place.id if place else None,
        "creator": f.get("creator"), "body_id": body.id if body else None, "rights": f.get("rights"),
        "rights_note": f.get("rights_note"), "rights_flagged": f.get("rights_flagged", False),
        "source_archive": f.get("source_archive"), "fonds": f.get("fonds"), "status": ItemStatus.DRAFT,
        "version": 1, "created_by_id": user_id, "updated_by_id": user_id, "created_at": now, "updated_at": now,
    }  # fmt: skip


def update_item(session, user: User, item: Item, data: dict, expected_version: int | None) -> Item:
    """Change the fields present in `data`; refused if the item changed since `expected_version`, and a
    change of texts refused without it."""
    check_can_edit(user, item)
    check_version(item, expected_version, required="texts" in data)
    before = snapshot(item)
    problems = Problems()
    with session.no_autoflush:
        _apply_fields(session, item, data, problems, partial=True)
        if "terms" in data:
            _apply_terms(session, item, data["terms"], problems)
        if "tags" in data:
            _apply_tags(item, data["tags"], problems)
        if "texts" in data:
            _apply_texts(item, data["texts"], problems, replace=data.get("replace_texts", False))
    problems.raise_if_any()  # the caller's unit (or its attempt) undoes what was set
    _require_reference_text_unless_draft(item)
    item.updated_by = user
    _touch(item)
    flush_checked(session)
    record_event(session, user, "item", item.id, "update", before, snapshot(item))
    return item


def set_text(session, user: User, item: Item, tag: str, values: dict, expected_version) -> ItemText:
    """Create or replace the texts of one language, from the item at `expected_version` (required)."""
    check_can_edit(user, item)
    check_version(item, expected_version, required=True)
    before = snapshot(item)
    problems = Problems()
    tag = problems.check(normalise_tag, tag) or tag
    problems.raise_if_any()
    _apply_texts(item, {tag: values}, problems, replace=False)
    problems.raise_if_any()  # the caller's unit (or its attempt) undoes what was set
    item.updated_by = user
    _touch(item)
    flush_checked(session)
    record_event(session, user, "item", item.id, "update", before, snapshot(item))
    return item.text_for(tag)


def remove_text(session, user: User, item: Item, tag: str, expected_version) -> None:
    """Delete one language's texts, from the item at `expected_version` (required); the Vietnamese ones stay
    once the item left draft."""
    check_can_edit(user, item)
    check_version(item, expected_version, required=True)
    tag = normalise_tag(tag)
    if item.text_for(tag) is None:
        raise ValidationError(_("The item has no texts in %(tag)s.", tag=tag), field="lang")
    before = snapshot(item)
    item.texts = [t for t in item.texts if t.lang != tag]
    _require_reference_text_unless_draft(item)
    item.updated_by = user
    _touch(item)
    flush_checked(session)
    record_event(session, user, "item", item.id, "update", before, snapshot(item))


def _require_reference_text_unless_draft(item: Item) -> None:
    if item.status != ItemStatus.DRAFT and item.text_for(REFERENCE_LANGUAGE) is None:
        raise ValidationError(
            _("The Vietnamese title is required once an item has left draft."), field="texts.vi.title"
        )


def _touch(item: Item) -> None:
    # Changes to texts, terms or tags alone leave the items row untouched, which would
    # skip the version check; bumping updated_at makes every change an UPDATE of the row.
    item.updated_at = utcnow()


def check_version(item: Item, version, required: bool = False) -> None:
    """Refuse a save made from an old copy of the item, or made without saying its version when `required`."""
    expected = expected_version(version)
    if expected is None and required:
        # Texts are written whole: a change from an unknown version would silently undo another's.
        raise VersionRequired(
            _("Send the version of the item you changed (version %(current)s is the latest): without it, this "
              "change could overwrite someone else's.", current=item.version),
            field="version",
        )  # fmt: skip
    if expected is not None and expected != item.version:
        raise Conflict(
            _("Someone else saved this item meanwhile (version %(current)s, you edited version %(yours)s). "
              "Reload it to see their changes, then save again.", current=item.version, yours=expected),
            field="version",
        )  # fmt: skip


def flush_checked(session) -> None:
    """Flush, turning a concurrent update caught by the version column into a Conflict.

    The failed flush leaves the session to be rolled back by its unit of work (core.uow).
    """
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            _("Someone else saved this item meanwhile. Reload it and save again."), field="version"
        ) from None
