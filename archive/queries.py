"""Reading items: filtered lists, the public view, texts along the reader's language chain, related items."""

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from archive import rights
from archive.models import (
    Item,
    ItemProvenance,
    ItemStatus,
    ItemTag,
    ItemText,
    ItemType,
    MediaFile,
    Place,
    Term,
    item_terms,
)
from core.errors import Gone, NotFound, ValidationError
from core.i18n import _
from core.languages import normalise_tag, same_language, text_chain
from core.pagination import Page, bounded_per_page, keyset_page, offset_page, parse_cursor

FILTERS = ("status", "type", "place", "term", "has_lang", "rights", "rights_flagged", "q")


TEXT_FIELDS = ("title", "caption", "description", "transcription")


@dataclass(frozen=True)
class DisplayText:
    """The texts shown to a reader (one language's row), and whether they stand in for the reader's."""

    text: ItemText | None
    lang: str
    fallback: bool


@dataclass(frozen=True)
class ShownText:
    """One of an item's texts chosen along a language chain: its language, and `fallback` when that is
    not the reader's; `text` None (and `lang` the reader's) when no language of the chain has one."""

    text: str | None
    lang: str
    fallback: bool


def text_in(item: Item, tag: str) -> ItemText | None:
    """The item's texts in `tag`, else in the same language under another tag (fr-CH finds fr)."""
    return item.text_for(tag) or next((t for t in item.texts if same_language(t.lang, tag)), None)


def display_text(item: Item, lang: str) -> DisplayText:
    """The texts along the reader's chain (core.languages.text_chain: theirs → English → Vietnamese), else any."""
    for tag in text_chain(lang):
        if found := text_in(item, tag):
            return DisplayText(found, found.lang, not same_language(found.lang, lang))
    first = item.texts[0] if item.texts else None
    return DisplayText(first, first.lang if first else lang, first is not None)


def texts_along(item: Item, chain: list[str]) -> dict[str, ShownText]:
    """Each of the item's texts (title, caption, description, transcription) in the first language of the
    chain that has it: a French reader gets the English description where there is no French one."""
    shown = {}
    for name in TEXT_FIELDS:
        found = next((t for tag in chain if (t := text_in(item, tag)) and getattr(t, name)), None)
        shown[name] = (ShownText(getattr(found, name), found.lang, not same_language(found.lang, chain[0]))
                       if found else ShownText(None, chain[0], False))  # fmt: skip
    return shown


def item_title(item: Item, lang: str) -> str:
    """A title for lists, in the reader's language where possible."""
    shown = display_text(item, lang)
    return shown.text.title if shown.text else item.reference_code


ITEMS_LISTING = "items"
ITEM_ORDER = (Item.updated_at, Item.id)  # newest change first; migration 0022 indexes it


def _item_key(item: Item) -> tuple:
    return item.updated_at, item.id


def list_items(session, filters: dict, page: int = 1, per_page: int = 25, public: bool = False,
               cursor: str | None = None) -> Page:  # fmt: skip
    """Items matching the filters, newest change first; the public sees published items only.

    By `cursor` (a signed position from a page's `next_cursor` or `prev_cursor`) the page is read through the
    index on (status, updated_at, id) whatever its depth; by `page` number with an OFFSET, kept for clients of it.
    """
    per_page = bounded_per_page(per_page)
    position = parse_cursor(ITEMS_LISTING, cursor, len(ITEM_ORDER))
    conditions = _conditions(filters)
    if public:
        conditions.append(Item.status == ItemStatus.PUBLISHED)
    query = select(Item).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    query = query.options(
        selectinload(Item.texts),
        selectinload(Item.place),
        selectinload(Item.terms),
        selectinload(Item.tags),
        selectinload(Item.media),
        selectinload(Item.body),
    )  # fmt: skip
    if position is not None or page == 1:
        return keyset_page(session, query, ITEM_ORDER, _item_key, ITEMS_LISTING, per_page, position, total)
    return offset_page(session, query, ITEM_ORDER, _item_key, ITEMS_LISTING, page, per_page, total)


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
    if value := filters.get("rights"):
        uri = rights.canonical(str(value))
        if uri is None:
            raise ValidationError(_("Unknown rights statement: “%(value)s”.", value=str(value)[:80]), field="rights")
        conditions.append(Item.rights == uri)
    if filters.get("rights_flagged") in (True, "1", "true", "on"):
        conditions.append(Item.rights_flagged.is_(True))
    if text := (filters.get("q") or "").strip():
        conditions.append(_text_condition(text[:200]))
    return conditions


def count_flagged_rights(session) -> int:
    """How many items have rights an archivist must review (archive.rights.from_text could not read them)."""
    return session.scalar(select(func.count()).where(Item.rights_flagged.is_(True)))


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


# What the public's item page and the API's item read of it, loaded with the item: a statement per kind of thing
# rather than one per file, term and scheme as each is first touched (tests/portal/test_page_statements.py).
PUBLIC_ITEM_LOADS = (
    joinedload(Item.place),
    joinedload(Item.body),
    selectinload(Item.texts),
    selectinload(Item.media).selectinload(MediaFile.jobs),
    selectinload(Item.terms).joinedload(Term.scheme),
    selectinload(Item.tags),
    joinedload(Item.provenance).joinedload(ItemProvenance.repository),
)


def get_public_item(session, item_id: int) -> Item:
    """A published item; a withdrawn one is Gone (it was public: its address answers 410), anything else NotFound
    so drafts do not leak."""
    item = session.get(Item, item_id, options=PUBLIC_ITEM_LOADS)
    check_public(item, item_id)
    return item


def check_public(item: Item | None, item_id: int) -> None:
    """Nothing for a published item; Gone for one taken down (withdrawn), NotFound for any other."""
    if item is not None and item.status == ItemStatus.WITHDRAWN:
        raise Gone(_("Item %(id)s has been withdrawn from public view.", id=item_id))
    if item is None or item.status != ItemStatus.PUBLISHED:
        raise NotFound(_("There is no published item %(id)s.", id=item_id))


def related_items(session, item: Item, limit: int = 6) -> list[Item]:
    """A handful of published items close to this one: most terms in common first, then the same place."""
    term_ids = [term.id for term in item.terms]
    score = func.count(item_terms.c.term_id) * 2
    if item.place_id is not None:
        score = score + func.max(case((Item.place_id == item.place_id, 1), else_=0))
    query = (
        select(Item.id)
        .outerjoin(item_terms, and_(item_terms.c.item_id == Item.id, item_terms.c.term_id.in_(term_ids)))
        .where(Item.id != item.id, Item.status == ItemStatus.PUBLISHED)
        .group_by(Item.id)
        .having(score > 0)
        .order_by(score.desc(), Item.id.desc())
        .limit(limit)
    )
    ids = list(session.scalars(query))
    items = session.scalars(select(Item).where(Item.id.in_(ids)).options(selectinload(Item.texts),
                                                                           selectinload(Item.media)))  # fmt: skip
    by_id = {related.id: related for related in items}
    return [by_id[i] for i in ids]


def review_queue(session) -> list[Item]:
    """Items waiting for review, oldest change first."""
    query = select(Item).where(Item.status == ItemStatus.REVIEW).order_by(Item.updated_at)
    return list(session.scalars(query.options(selectinload(Item.texts))))
