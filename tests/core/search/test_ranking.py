"""Query evaluation over arrays (core.search.ranking), on a tiny index held in arrays."""

import numpy as np
import pytest

from core.search import ranking as r


class ArraySource:
    """A tiny in-memory index: field → {term: [(doc, tf), …]}, with lengths per document."""

    def __init__(self, postings: dict, lengths: dict, size: int, deleted=()):
        self.size = size
        self.alive = np.ones(size, dtype=bool)
        self.alive[list(deleted)] = False
        self.count = int(self.alive.sum())
        self._postings = postings
        self._lengths = lengths

    def postings(self, field, text):
        pairs = self._postings.get(field, {}).get(text, [])
        return np.array([d for d, _ in pairs], dtype=np.int64), np.array([t for _, t in pairs], dtype=np.float32)

    def lengths(self, field):
        lengths = np.array(self._lengths[field], dtype=np.float32)
        return lengths, float(lengths[self.alive].mean())

    def expand(self, field, prefix):
        return sorted(t for t in self._postings.get(field, {}) if t.startswith(prefix))

    def phrase(self, field, words):
        return np.array([0], dtype=np.int64)


@pytest.fixture
def source():
    postings = {"f": {"ha": [(0, 1), (1, 1), (2, 3)], "noi": [(1, 1), (2, 1)], "hanh": [(3, 1)], "hat": [(4, 2)]}}
    return ArraySource(postings, {"f": [10, 2, 10, 5, 5]}, size=5)


def test_term_scores_shorter_documents_and_more_occurrences_higher(source):
    mask, scores = r.evaluate(r.Term("f", "ha"), source)
    assert mask.tolist() == [True, True, True, False, False]
    assert scores[1] > scores[0]  # same frequency, shorter document
    assert scores[2] > scores[0]  # same length, three occurrences


def test_boolean_nodes_combine_masks_and_add_scores(source):
    both, both_scores = r.evaluate(r.AllOf((r.Term("f", "ha"), r.Term("f", "noi"))), source)
    assert np.flatnonzero(both).tolist() == [1, 2]
    ha = r.evaluate(r.Term("f", "ha"), source)[1]
    noi = r.evaluate(r.Term("f", "noi"), source)[1]
    assert both_scores[1] == pytest.approx(ha[1] + noi[1])
    either = r.evaluate(r.AnyOf((r.Term("f", "noi"), r.Term("f", "hat"))), source)[0]
    assert np.flatnonzero(either).tolist() == [1, 2, 4]
    without = r.evaluate(r.Without(r.Term("f", "ha"), r.Term("f", "noi")), source)[0]
    assert np.flatnonzero(without).tolist() == [0]


def test_prefix_matches_every_expansion_at_one_score(source):
    mask, scores = r.evaluate(r.Prefix("f", "ha", boost=2.0), source)
    assert np.flatnonzero(mask).tolist() == [0, 1, 2, 3, 4]
    assert set(scores.tolist()) == {2.0}


def test_deleted_documents_neither_match_nor_count_in_idf():
    postings = {"f": {"x": [(0, 1), (1, 1), (2, 1)]}}
    gone = ArraySource(postings, {"f": [3, 3, 3]}, size=3, deleted=[0, 1])
    mask, scores = r.evaluate(r.Term("f", "x"), gone)
    assert mask.tolist() == [False, False, True]
    assert scores[2] > 0  # one live document of one: the idf stays positive


def test_top_orders_by_key_then_document_and_pages_stably():
    keys = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.5])
    mask = np.array([True, True, True, True, True, False])
    assert r.top(mask, keys, 2).tolist() == [1, 2]
    assert r.top(mask, keys, 4).tolist() == [1, 2, 4, 3]
    assert r.top(mask, keys, 10).tolist() == [1, 2, 4, 3, 0]
    assert r.top(mask, keys, 2, ascending=True).tolist() == [0, 3]
    assert r.top(np.zeros(6, dtype=bool), keys, 3).tolist() == []


def test_facet_counts_leave_out_values_without_hits():
    mask = np.array([True, False, True, True])
    values = {"a": np.array([0, 1]), "b": np.array([1]), "c": np.array([2, 3])}
    assert r.facet_counts(mask, values) == {"a": 1, "c": 2}


def test_a_facet_column_counts_documents_with_one_value_several_or_none():
    # Document 0: a, b; 1: b; 2: nothing; 3: c, a, b; 4: c.
    values = {"a": np.array([0, 3]), "b": np.array([0, 1, 3]), "c": np.array([3, 4])}
    column = r.FacetColumn.from_postings(values, 5)
    everything = np.ones(5, dtype=bool)
    assert column.counts(everything) == {"a": 2, "b": 3, "c": 2}
    mask = np.array([True, False, True, True, False])
    assert column.counts(mask) == {"a": 2, "b": 2, "c": 1}
    assert column.counts(mask, np.flatnonzero(mask)) == column.counts(mask)
    assert column.counts(np.array([False, False, True, False, False])) == {}  # no value, no count
    # Seven (document, value) pairs: four documents' first values, three more beside them.
    assert column.first.tolist() == [0, 1, 3, 0, 2] and len(column.rest_docs) == 3


def test_facet_columns_joined_across_segments_number_their_values_anew():
    first = r.FacetColumn.from_postings({"hn": np.array([0, 2]), "hue": np.array([1])}, 3)
    second = r.FacetColumn.from_postings({"hue": np.array([0]), "hcm": np.array([0, 1])}, 2)
    joined = r.FacetColumn.joined([(first, 0), (second, 3)], 5)
    assert joined.names == ("hn", "hue", "hcm")
    assert joined.counts(np.ones(5, dtype=bool)) == {"hn": 2, "hue": 2, "hcm": 2}
    assert joined.counts(np.array([False, True, False, True, False])) == {"hue": 2, "hcm": 1}
    assert joined.counts(np.array([False, False, False, False, True])) == {"hcm": 1}
    empty = r.FacetColumn.joined([], 4)
    assert empty.counts(np.ones(4, dtype=bool)) == {}


def test_top_uses_the_candidates_it_is_given():
    keys = np.array([1.0, 3.0, 2.0])
    mask = np.array([True, True, True])
    assert r.top(mask, keys, 2, candidates=np.array([0, 2])).tolist() == [2, 0]
