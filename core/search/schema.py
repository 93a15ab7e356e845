"""The document schema: what a document holds, and the index fields it becomes.

A domain builds documents from its records (archive/indexing.py: `item_document`); every
engine indexes the fields below, analysed as `core.search.analysis` says, so a query means
the same whatever engine answers it.
"""

from dataclasses import dataclass
from typing import NotRequired, TypedDict

from core.search.analysis import normalise, terms


class Document(TypedDict):
    """One record as the index sees it. `texts` and `extra` are searched; `texts` also give
    snippets in the reader's language (core.search.snippets); `digest` tells `check` whether
    it is stale, and a snippet whether it is of the version found."""

    id: str
    digest: NotRequired[str | None]
    date: NotRequired[int]  # YYYYMMDD, 0 when unknown: the key of date order
    texts: NotRequired[dict[str, str]]  # language tag → text
    extra: NotRequired[str]  # names, codes, tags: searched, never shown
    facets: NotRequired[dict[str, list[str]]]  # facet name → values


@dataclass(frozen=True)
class Field:
    """An index field. `analysis` names how its terms come from the text (`analysis.terms`),
    or is one of KEY, STORED, NUMBER, CODES for fields that are not analysed text."""

    name: str
    analysis: str
    stored: bool = False
    positions: bool = False  # kept for phrase checks


KEY, STORED, NUMBER, CODES = "key", "stored", "number", "codes"
EXACT, FOLDED, PAIRS, PREFIXES = "exact", "folded", "folded2", "prefix"

FIELDS = (
    Field("id", KEY, stored=True),  # unique: an upsert replaces the document with this id
    Field("digest", STORED, stored=True),
    Field(EXACT, "words"),  # phrases are checked in `folded`, so no positions here
    Field(FOLDED, "folded", positions=True),
    Field(PAIRS, "pairs"),
    Field(PREFIXES, "prefixes"),
    Field("date", NUMBER),  # sortable
)
SEARCHED = tuple(field for field in FIELDS if field.analysis not in (KEY, STORED, NUMBER, CODES))


def facet_field(name: str) -> str:
    """The field of a facet: its values as space-separated codes, as typed."""
    return f"fm_{name}"


def document_fields(document: Document, facets: tuple[str, ...]) -> dict:
    """The value of every index field of `document`: lists of terms for the searched fields."""
    texts = {lang: normalise(text) for lang, text in (document.get("texts") or {}).items() if text}
    analysed = terms("\n".join([*texts.values(), normalise(document.get("extra") or "")]))
    fields = {"id": document["id"], "digest": document.get("digest"), "date": int(document.get("date") or 0)}
    for field in SEARCHED:
        fields[field.name] = analysed[field.analysis]
    for name in facets:
        values = [str(v) for v in (document.get("facets") or {}).get(name) or [] if v not in (None, "")]
        fields[facet_field(name)] = " ".join(values)
    return fields
