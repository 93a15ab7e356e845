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
