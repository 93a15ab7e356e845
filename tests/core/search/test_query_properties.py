"""core.search.query.parse_text over any text (hypothesis): it never raises, and what it builds stays bounded
however long or strange the text — at most MAX_CLAUSES clauses, leaves proportional to the kept characters."""

import dataclasses

import pytest
from hypothesis import strategies as st

from core.search import ranking as r
from core.search.query import MAX_CLAUSES, MAX_QUERY_CHARS, parse_text
from tests.properties import LONG_EXAMPLES, SHORT_EXAMPLES, check

# The syntax's own characters often, Vietnamese words, then anything at all (controls, marks, surrogates' kin).
SYNTAX = st.lists(st.sampled_from(['"', "-", "*", " ", "AND", "OR", "NOT", "quyền", "con", "người", "ha", "noi",
                                   "\u0301", "\x00", "\u200b", "𝔸", "ǅ"]), max_size=80).map("".join)  # fmt: skip
QUERIES = SYNTAX | st.text(max_size=2000) | st.text(st.characters(codec="utf-8"), min_size=400, max_size=3000)


def _leaves(node) -> int:
    if isinstance(node, r.Term | r.Phrase | r.Prefix | r.Everything):
        return 1
    children = []
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        children += list(value) if isinstance(value, tuple) else [value]
    return sum(_leaves(child) for child in children if dataclasses.is_dataclass(child))


def _bounded(text: str) -> None:
    query, dropped, highlighted = parse_text(text)
    assert isinstance(dropped, bool) and isinstance(highlighted, frozenset)
    if query is None:
        return
    clauses = query.include if isinstance(query, r.Without) else query
    assert len(getattr(clauses, "parts", ())) <= MAX_CLAUSES
    assert _leaves(query) <= 3 * MAX_QUERY_CHARS
    if len(text) > MAX_QUERY_CHARS * 4:  # NFC can grow a text, but not fourfold
        assert dropped


def test_any_query_parses_within_bounds():
    check(SHORT_EXAMPLES, QUERIES)(_bounded)


@pytest.mark.long
def test_any_query_parses_within_bounds_many_times():
    check(LONG_EXAMPLES, QUERIES)(_bounded)
