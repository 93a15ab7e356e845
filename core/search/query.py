"""The query language: what a reader asks (`Query`), what comes back (`Results`), and our own
small syntax for the words — words, "phrases", -exclusions, prefix* — parsed into a tree of
`core.search.ranking` nodes over the schema's fields.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from core.search import ranking as r
from core.search.analysis import PREFIX_MAX, folded_words, normalise, words
from core.search.schema import EXACT, FOLDED, PAIRS, PREFIXES

EXACT_BOOST = 2.0
MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24
ORDERS = ("relevance", "date", "date_asc")


@dataclass
class Query:
    """What a reader asked: words, filters by facet, order and page."""

    text: str = ""
    filters: dict = field(default_factory=dict)  # facet name → list of values, all required
    order: str = "relevance"  # or "date" (newest first) or "date_asc"
    page: int = 1
    per_page: int = 20
    facets: tuple = ()
    snippet_lang: str | None = None


@dataclass
class Hit:
    """One document found: its id, its score, and escaped HTML around the matched words."""

    id: str
    score: float
    snippet: str | None


@dataclass
class Results:
    """One page of hits, the number of all hits, and facet counts over all of them."""

    hits: list[Hit]
    total: int
    facets: dict  # facet name → {value: count}
    notice: str | None = None  # why part of the query was ignored, for the reader


_CLAUSE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_OPERATORS = {"and", "or", "not", "&&", "||", "+", "-", "*"}


def parse_text(text: str) -> tuple[object | None, bool, frozenset]:
    """Our own small syntax: words, "phrases", -exclusions, prefix*; never raises.

    Returns the query tree (None for "everything"), whether something was dropped, and the
    folded words to highlight (a prefix keeps its `*`: `quy*` marks `quyền` and `quyết`).
    """
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in normalise(text))
    dropped = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    must, must_not, highlighted = [], [], set()
    for count, match in enumerate(_CLAUSE.finditer(text)):
        if count >= MAX_CLAUSES:
            dropped = True
            break
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            negated = word.startswith("-") and len(word) > 1
            word = word[1:] if negated else word
            if word.lower() in _OPERATORS:
                continue
            clause = _prefix_clause(word[:-1]) if word.endswith("*") else _text_clause(word)
        else:
            clause = _text_clause(phrase)
        if clause is not None:
            (must_not if negated else must).append(clause)
            if not negated:
                highlighted.update(folded_words(phrase) if word is None else _highlighted(word))
    if not must and not must_not:
        return None, dropped, frozenset()
    positive = r.AllOf(tuple(must)) if must else r.Everything()
    query = r.Without(positive, r.AnyOf(tuple(must_not))) if must_not else positive
    return query, dropped, frozenset(highlighted)


def _highlighted(text: str) -> list[str]:
    folded = folded_words(text.rstrip("*"))
    if text.endswith("*") and folded:
        folded[-1] += "*"
    return folded


def _folded_clause(folded: list[str]):
    if len(folded) == 1:
        return r.Term(FOLDED, folded[0])
    pairs = [r.Term(PAIRS, f"{a} {b}") for a, b in zip(folded, folded[1:], strict=False)]
    if len(folded) == 2:
        return pairs[0]
    # Longer phrases: the pairs narrow the candidates, the positional check confirms them.
    return r.AllOf((*pairs, r.Phrase(FOLDED, tuple(folded))))


def _text_clause(text: str):
    exact = words(text)
    if not exact:
        return None
    # Folded words decide what matches; each word found with the marks as typed adds to
    # the score, so exact matches rank first.
    marks = r.AnyOf(tuple(r.Term(EXACT, word, EXACT_BOOST) for word in exact))
    return r.Boosted(_folded_clause(folded_words(text)), marks)


def _prefix_clause(text: str):
    folded = folded_words(text)
    if not folded:
        return None
    *whole, last = folded
    parts = [_folded_clause(whole)] if whole else []
    if 2 <= len(last) <= PREFIX_MAX:
        parts.append(r.AnyOf((r.Term(PREFIXES, last), r.Term(FOLDED, last))))
    else:
        parts.append(r.Prefix(FOLDED, last))
    return parts[0] if len(parts) == 1 else r.AllOf(tuple(parts))
