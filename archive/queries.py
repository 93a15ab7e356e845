"""Reading items: filtered lists, the public view, texts with their Vietnamese fallback."""

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from archive.models import Item, ItemStatus, ItemTag, ItemText, ItemType, Place, Term, item_terms
from core.errors import NotFound, ValidationError
from core.i18n import _
from core.languages import REFERENCE_LANGUAGE, normalise_tag
from core.pagination import Page, bounded_per_page

FILTERS = ("status", "type", "place", "term", "has_lang", "q")


@dataclass(frozen=True)
class DisplayText:
    """The texts shown to a reader, and whether they fell back to Vietnamese."""

    text: ItemText | None
    lang: str
    fallback: bool


def display_text(item: Item, lang: str) -> DisplayText:
    """The texts in `lang`, else in Vietnamese (marked as a fallback), else any."""
    for tag in (lang, lang.split("-")[0]):
        found = item.text_for(tag)
        if found:
            return DisplayText(found, tag, False)
    fallback = item.text_for(REFERENCE_LANGUAGE) or (item.texts[0] if item.texts else None)
    return DisplayText(fallback, fallback.lang if fallback else REFERENCE_LANGUAGE, True)


def item_title(item: Item, lang: str) -> str:
    """A title for lists, in the reader's language where possible."""
    shown = display_text(item, lang)
    return shown.text.title if shown.text else item.reference_code


def list_items(session, filters: dict, page: int = 1, per_page: int = 25, public: bool = False) -> Page:
    """Items matching the filters, newest first; the public sees published items only."""
    per_page = bounded_per_page(per_page)
    query = select(Item)
    conditions = _conditions(filters)
    if public:
        conditions.append(Item.status == ItemStatus.PUBLISHED)
    query = query.where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(
            selectinload(Item.texts),
            selectinload(Item.place),
            selectinload(Item.terms),
            selectinload(Item.tags),
            selectinload(Item.media),
            selectinload(Item.body),
        )  # fmt: skip
        .order_by(Item.updated_at.desc(), Item.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(rows), total, page, per_page)


def _conditions(filters: dict) -> list:
    conditions = []
    if status := filters.get("status"):
        try:
            conditions.append(Item.status == ItemStatus(status))
        except ValueError:
            raise ValidationError(_("Unknown status: %(value)s.", value=status), field="status") from None
    if type_ := filters.get("type"):
        try:
            conditions.append(Item.type == ItemType(type_))
        except ValueError:
            raise ValidationError(_("Unknown item type: %(type)s.", type=type_), field="type") from None
    if place := filters.get("place"):
        conditions.append(Item.place_id.in_(select(Place.id).where(Place.code == place)))
    if term := filters.get("term"):
        conditions.append(
            exists().where(item_terms.c.item_id == Item.id, item_terms.c.term_id == Term.id, Term.code == term)
        )
    if lang := filters.get("has_lang"):
        tag = normalise_tag(lang, "has_lang")
        conditions.append(exists().where(ItemText.item_id == Item.id, ItemText.lang == tag))
    if text := (filters.get("q") or "").strip():
        conditions.append(_text_condition(text[:200]))
    return conditions


def _text_condition(text: str):
    # A plain substring match until the search issue brings the Whoosh index.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    in_texts = exists().where(
        ItemText.item_id == Item.id,
        or_(ItemText.title.ilike(pattern, escape="\\"), ItemText.description.ilike(pattern, escape="\\")),
    )
    in_tags = exists().where(ItemTag.item_id == Item.id, ItemTag.label.ilike(pattern, escape="\\"))
    return or_(Item.reference_code.ilike(pattern, escape="\\"), in_texts, in_tags)


def get_item(session, item_id: int) -> Item:
    """Any item, for staff; NotFound if there is none."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(_("There is no item %(id)s.", id=item_id))
    return item


def get_public_item(session, item_id: int) -> Item:
    """A published item; anything else is NotFound so drafts do not leak."""
    item = session.get(Item, item_id)
    if item is None or item.status != ItemStatus.PUBLISHED:
        raise NotFound(_("There is no published item %(id)s.", id=item_id))
    return item


def review_queue(session) -> list[Item]:
    """Items waiting for review, oldest change first."""
    query = select(Item).where(Item.status == ItemStatus.REVIEW).order_by(Item.updated_at)
    return list(session.scalars(query.options(selectinload(Item.texts))))
