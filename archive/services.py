"""Item rules: create, edit, texts per language, terms and tags. Services flush, never commit."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from archive.dates import parse_date
from archive.languages import REFERENCE_LANGUAGE, normalise_tag
from archive.models import Body, Item, ItemStatus, ItemTag, ItemText, ItemType, Place, Term, TextState
from core.audit import record_event
from core.auth import Role, User
from core.db import utcnow
from core.errors import Conflict, Forbidden, ValidationError
from core.i18n import _

ITEM_FIELDS = ("reference_code", "type", "date", "place", "creator", "body", "rights", "source_archive", "fonds")
TEXT_FIELDS = ("title", "description", "caption", "transcription")
LIMITS = {"reference_code": 80, "creator": 255, "source_archive": 255, "fonds": 255, "rights": 2000,
          "title": 500, "description": 20000, "caption": 2000, "transcription": 200000, "tag": 100}  # fmt: skip


@dataclass
class Problems:
    """Collects every problem of a submission so the form can show them all at once."""

    errors: list = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append((field_name, message))

    def check(self, func, *args):
        """Run a validator; keep its error instead of stopping at the first one."""
        try:
            return func(*args)
        except ValidationError as error:
            self.errors.extend(error.errors)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            name, message = self.errors[0]
            raise ValidationError(message, field=name, errors=self.errors)


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
        "source_archive": item.source_archive,
        "fonds": item.fonds,
        "status": str(item.status) if item.status else None,
        "terms": [t.code for t in item.terms],
        "tags": [t.label for t in item.tags],
        "texts": {t.lang: {f: getattr(t, f) for f in TEXT_FIELDS} | {"state": str(t.state)} for t in item.texts},
    }


def _clean_text(value, field_name: str, problems: Problems, required=False) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        problems.add(field_name, _("%(field)s must be text.", field=field_name))
        return None
    if required and not text:
        problems.add(field_name, _("%(field)s is required.", field=_field_label(field_name)))
    limit = LIMITS.get(field_name.split(".")[-1])
    if limit and len(text) > limit:
        problems.add(
            field_name,
            _("%(field)s is too long: %(length)s characters, at most %(limit)s.",
              field=_field_label(field_name), length=len(text), limit=limit),
        )  # fmt: skip
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        problems.add(field_name, _("%(field)s contains control characters.", field=_field_label(field_name)))
    return text or None


def _field_label(name: str) -> str:
    base = name.split(".")[-1]
    labels = {
        "reference_code": _("Reference code"), "type": _("Type"), "date": _("Date"), "place": _("Place"),
        "creator": _("Creator"), "body": _("Contributing body"), "rights": _("Rights"),
        "source_archive": _("Source archive"), "fonds": _("Fonds"), "title": _("Title"),
        "description": _("Description"), "caption": _("Caption"), "transcription": _("Transcription"),
        "tag": _("Tag"), "lang": _("Language"), "state": _("Text state"),
    }  # fmt: skip
    return labels.get(base, base)


def _apply_fields(session, item: Item, data: dict, problems: Problems, partial: bool) -> None:
    """Validate and set the item's own fields present in `data`."""
    if "reference_code" in data or not partial:
        code = _clean_text(data.get("reference_code"), "reference_code", problems, required=True)
        if code:
            clash = session.scalar(select(Item.id).where(Item.reference_code == code, Item.id != item.id))
            if clash:
                problems.add(
                    "reference_code", _("The reference code %(code)s is already used by another item.", code=code)
                )
            item.reference_code = code
    if "type" in data or not partial:
        try:
            item.type = ItemType(data.get("type"))
        except ValueError:
            problems.add("type", _("Unknown item type: %(type)s.", type=data.get("type")))
    if "date" in data:
        raw = _clean_text(data.get("date"), "date", problems)
        if raw:
            parsed = problems.check(parse_date, raw)
            if parsed:
                item.date_text, item.date_start, item.date_end = parsed.text, parsed.start, parsed.end
                item.date_approximate = parsed.approximate
        else:
            item.date_text = item.date_start = item.date_end = None
            item.date_approximate = False
    if "place" in data:
        item.place = _lookup(session, Place, data.get("place"), "place", problems)
    if "body" in data:
        item.body = _lookup(session, Body, data.get("body"), "body", problems)
    for name in ("creator", "rights", "source_archive", "fonds"):
        if name in data:
            setattr(item, name, _clean_text(data.get(name), name, problems))


def _lookup(session, model, code, field_name, problems):
    if not code:
        return None
    row = session.scalar(select(model).where(model.code == str(code).strip()))
    if row is None:
        problems.add(field_name, _("Unknown %(field)s: %(code)s.", field=_field_label(field_name).lower(), code=code))
    return row


def _apply_terms(session, item: Item, codes, problems: Problems) -> None:
    codes = [str(c).strip() for c in (codes or []) if str(c).strip()]
    found = {t.code: t for t in session.scalars(select(Term).where(Term.code.in_(codes)))} if codes else {}
    unknown = [c for c in codes if c not in found]
    if unknown:
        problems.add("terms", _("Unknown terms: %(codes)s.", codes=", ".join(unknown)))
    item.terms = [found[c] for c in dict.fromkeys(codes) if c in found]


def _apply_tags(item: Item, labels, problems: Problems) -> None:
    cleaned = []
    for raw in labels or []:
        label = _clean_text(raw, "tags", problems)
        if label and len(label) > LIMITS["tag"]:
            problems.add("tags", _("A tag may have at most %(limit)s characters.", limit=LIMITS["tag"]))
        elif label and label.casefold() not in {c.casefold() for c in cleaned}:
            cleaned.append(label)
    existing = {t.label: t for t in item.tags}
    item.tags = [existing.get(label) or ItemTag(label=label) for label in cleaned]


def _apply_texts(item: Item, texts: dict, problems: Problems, replace: bool) -> None:
    """Set texts per language; with `replace`, languages not given are removed."""
    wanted = {}
    for raw_tag, values in (texts or {}).items():
        tag = problems.check(normalise_tag, raw_tag, f"texts.{raw_tag}.lang")
        if not tag:
            continue
        if tag in wanted:
            problems.add(f"texts.{raw_tag}", _("The language %(tag)s is given twice.", tag=tag))
            continue
        wanted[tag] = _validated_text(tag, values or {}, problems)
    current = {t.lang: t for t in item.texts}
    for tag, values in wanted.items():
        row = current.get(tag) or ItemText(lang=tag)
        for name, value in values.items():
            setattr(row, name, value)
        if tag not in current:
            item.texts.append(row)
    if replace:
        item.texts = [t for t in item.texts if t.lang in wanted]


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


def check_can_edit(user: User, item: Item) -> None:
    """Archivists edit drafts; curators and admins edit any item."""
    if user.role == Role.ARCHIVIST and item.status not in (ItemStatus.DRAFT,):
        raise Forbidden(
            _(
                "This item is %(status)s: only a curator or an admin may change it now.",
                status=status_label(item.status),
            ),
            field="status",
        )


def status_label(status) -> str:
    """The name of a status in the reader's language."""
    return {
        ItemStatus.DRAFT: _("draft"),
        ItemStatus.REVIEW: _("in review"),
        ItemStatus.PUBLISHED: _("published"),
        ItemStatus.WITHDRAWN: _("withdrawn"),
    }[ItemStatus(status)]


def create_item(session, user: User, data: dict) -> Item:
    """A new draft item from validated-or-not data; ValidationError lists every problem."""
    problems = Problems()
    item = Item(status=ItemStatus.DRAFT, created_by=user, updated_by=user)
    with session.no_autoflush:
        _apply_fields(session, item, data, problems, partial=False)
        _apply_terms(session, item, data.get("terms"), problems)
        _apply_tags(item, data.get("tags"), problems)
        _apply_texts(item, data.get("texts"), problems, replace=True)
    problems.raise_if_any()
    session.add(item)
    session.flush()
    record_event(session, user, "item", item.id, "create", None, snapshot(item))
    return item


def update_item(session, user: User, item: Item, data: dict, expected_version: int | None) -> Item:
    """Change the fields present in `data`; refused if the item changed since `expected_version`."""
    check_can_edit(user, item)
    check_version(item, expected_version)
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
    if problems.errors:
        session.rollback()
        problems.raise_if_any()
    _require_reference_text_unless_draft(item)
    item.updated_by = user
    _touch(item)
    flush_checked(session)
    record_event(session, user, "item", item.id, "update", before, snapshot(item))
    return item


def set_text(session, user: User, item: Item, tag: str, values: dict, expected_version=None) -> ItemText:
    """Create or replace the texts of one language."""
    check_can_edit(user, item)
    check_version(item, expected_version)
    before = snapshot(item)
    problems = Problems()
    tag = problems.check(normalise_tag, tag) or tag
    problems.raise_if_any()
    _apply_texts(item, {tag: values}, problems, replace=False)
    if problems.errors:
        session.rollback()
        problems.raise_if_any()
    item.updated_by = user
    _touch(item)
    flush_checked(session)
    record_event(session, user, "item", item.id, "update", before, snapshot(item))
    return item.text_for(tag)


def remove_text(session, user: User, item: Item, tag: str, expected_version=None) -> None:
    """Delete one language's texts; the Vietnamese ones stay once the item left draft."""
    check_can_edit(user, item)
    check_version(item, expected_version)
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


def check_version(item: Item, expected_version) -> None:
    """Refuse a save made from an old copy of the item."""
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError(_("The version must be a whole number."), field="version") from None
    if expected != item.version:
        raise Conflict(
            _("Someone else saved this item meanwhile (version %(current)s, you edited version %(yours)s). "
              "Reload it to see their changes, then save again.", current=item.version, yours=expected),
            field="version",
        )  # fmt: skip


def flush_checked(session) -> None:
    """Flush, turning a concurrent update caught by the version column into a Conflict."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict(
            _("Someone else saved this item meanwhile. Reload it and save again."), field="version"
        ) from None
