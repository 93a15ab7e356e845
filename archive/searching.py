"""Searching items: a reader's request becomes a core.search Query; the index finds and
counts, the database supplies what is shown."""

import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.forms import TYPE_LABELS
from archive.indexing import FACETS
from archive.models import Body, Item, ItemStatus, ItemText, Place, Term
from core.errors import ValidationError
from core.i18n import _, localized
from core.languages import language_name
from core.pagination import bounded_per_page
from core.search import ORDERS, Query, index_to_read
from core.urls import public_url

PUBLIC_FACETS = tuple(f for f in FACETS if f != "status")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchPage:
    """One page of search results with facets and snippets, ready for a page or the API."""

    items: list
    total: int
    page: int
    per_page: int
    facets: dict = field(default_factory=dict)  # name → [FacetValue]
    snippets: dict = field(default_factory=dict)  # item id → HTML with <mark>
    notice: str | None = None
    chosen: list = field(default_factory=list)  # (facet name, FacetValue) the reader filtered by, in order

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def facet_labels() -> dict:
    """The heading of each facet in the reader's language."""
    return {"type": _("Type"), "decade": _("Decade"), "place": _("Place"), "term": _("Subject"),
            "has_lang": _("Language"), "body": _("Contributing body"), "status": _("Status")}  # fmt: skip


def _values(args, name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        value = args.get(name)
        values = value if isinstance(value, list) else [value]
    return [str(v).strip()[:100] for v in values if v not in (None, "")]


def search_items(session, args, lang: str, public: bool, page: int = 1, per_page: int = 20) -> SearchPage:
    """Items matching the words and facet filters in `args`; the public sees published ones."""
    order = args.get("order") or "relevance"
    if order not in ORDERS:
        raise ValidationError(_("Unknown order: %(value)s.", value=order), field="order")
    names = PUBLIC_FACETS if public else FACETS
    filters = {name: _values(args, name) for name in names if _values(args, name)}
    chosen = dict(filters)
    if public:
        filters["status"] = [str(ItemStatus.PUBLISHED)]
    per_page = bounded_per_page(per_page)
    query = Query(text=args.get("q") or "", filters=filters, order=order, page=page, per_page=per_page,
                  facets=names, snippet_lang=lang)  # fmt: skip
    results = index_to_read().search(query)
    items = _load(session, [int(hit.id) for hit in results.hits], public)
    notice = _("Your query was long: only its beginning was searched.") if results.notice else None
    return SearchPage(items, results.total, page, per_page, _labelled(session, results.facets, filters, lang),
                      {int(h.id): h.snippet for h in results.hits if h.snippet}, notice,
                      _chosen(session, chosen, results.facets, lang))  # fmt: skip


def _chosen(session, chosen: dict, counts: dict, lang: str) -> list:
    """The filters the reader chose, labelled even when no item is left to count them."""
    if not chosen:
        return []
    labels = _label_maps(session, {name: dict.fromkeys(values, 0) for name, values in chosen.items()}, lang)
    return [(name, FacetValue(v, labels.get(name, {}).get(v, v), counts.get(name, {}).get(v, 0), True))
            for name, values in chosen.items() for v in values]  # fmt: skip


def public_counts(names: tuple = PUBLIC_FACETS) -> tuple[int, dict]:
    """How many items are published, and how many of them hold each value of each facet in `names`."""
    # One page of one hit: the counts are what is wanted, and every engine answers them over all hits.
    query = Query(filters={"status": [str(ItemStatus.PUBLISHED)]}, facets=names, per_page=1)
    results = index_to_read().search(query)
    return results.total, results.facets


def _load(session, ids: list[int], public: bool) -> list[Item]:
    if not ids:
        return []
    # A hit shows its title: a transcription (an OCR'd PDF's runs to megabytes) is read only if asked for.
    texts = selectinload(Item.texts).defer(ItemText.description).defer(ItemText.caption).defer(ItemText.transcription)
    query = (
        select(Item)
        .where(Item.id.in_(ids))
        .options(texts, selectinload(Item.place), selectinload(Item.media), selectinload(Item.body))
    )
    found = {item.id: item for item in session.scalars(query)}
    # The index may lag a commit by a moment: never show the public an item that left publication.
    return [found[i] for i in ids if i in found and (not public or found[i].status == ItemStatus.PUBLISHED)]


def _labelled(session, facets: dict, filters: dict, lang: str) -> dict:
    labels = _label_maps(session, facets, lang)
    out = {}
    for name, counts in facets.items():
        chosen = set(filters.get(name, []))
        values = [FacetValue(v, labels.get(name, {}).get(v, v), n, v in chosen) for v, n in counts.items()]
        if name == "decade":
            values.sort(key=lambda f: f.value, reverse=True)
        else:
            values.sort(key=lambda f: (-f.count, f.label))
        out[name] = values
    return out


def _label_maps(session, facets: dict, lang: str) -> dict:
    def by_code(model, column, codes):
        if not codes:
            return {}
        rows = session.scalars(select(model).where(model.code.in_(codes)))
        return {row.code: localized(getattr(row, column), lang) for row in rows}

    return {
        "type": {str(k): str(v) for k, v in TYPE_LABELS.items()},
        "status": {s.value: _status(s) for s in ItemStatus},
        "decade": {d: f"{d}–{int(d) + 9}" for d in facets.get("decade", {}) if d.isascii() and d.isdigit()},
        "place": by_code(Place, "names", list(facets.get("place", {}))),
        "body": by_code(Body, "names", list(facets.get("body", {}))),
        "term": by_code(Term, "labels", list(facets.get("term", {}))),
        "has_lang": {tag: language_name(tag, lang) for tag in facets.get("has_lang", {})},
    }


def _status(status) -> str:
    from archive.services import status_label

    return status_label(status)


def toggled_args(args, name: str, value: str) -> dict:
    """Query arguments with `value` of facet `name` toggled and the page reset."""
    out = {key: args.getlist(key) for key in args if key != "page"}
    chosen = out.get(name, [])
    out[name] = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
    return out


def search_page_data(page: SearchPage, lang: str) -> dict:
    """The page as plain data for the API: hits with titles in `lang` and highlights."""
    from archive.queries import display_text

    hits = []
    for item in page.items:
        shown = display_text(item, lang)
        hits.append({
            "id": item.id, "reference_code": item.reference_code,
            "title": shown.text.title if shown.text else item.reference_code, "title_lang": shown.lang,
            "fallback": shown.fallback, "type": str(item.type), "date": item.date_text, "status": str(item.status),
            "highlight": page.snippets.get(item.id), "url": public_url("api_items.item", item_id=item.id),
        })  # fmt: skip
    return {"hits": hits, "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages,
            "facets": page.facets, "notice": page.notice}  # fmt: skip
