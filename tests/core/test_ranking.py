"""Query evaluation over arrays (core.ranking) and the arrays read out of a real Whoosh index."""

import numpy as np
import pytest

from core import ranking as r
from core import search
from core.search import Query, SearchIndex


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
def opened():
    """Closes the indexes a test opens, so no file is left to the garbage collector."""
    indexes = []
    yield lambda index: indexes.append(index) or index
    for index in indexes:
        index.close()


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


def test_arrays_read_from_whoosh_agree_with_its_own_matchers(tmp_path, opened):
    """Posting lists over several blocks and segments, with deletions, read block by block."""
    index = opened(SearchIndex(str(tmp_path / "index"), ("type",)))
    index.ensure()
    with index.try_writer() as writer:  # one segment: 300 documents, three blocks of postings
        for n in range(300):
            text = f"ảnh số {n} {'lẻ' if n % 2 else 'chẵn'}"
            writer.upsert({"id": str(n), "date": 20000101 + n, "texts": {"vi": text},
                           "facets": {"type": ["photo" if n % 3 else "poster"]}})  # fmt: skip
    with index.try_writer() as writer:  # a second segment, and deletions in the first
        for n in range(0, 300, 7):
            writer.upsert({"id": str(n), "date": 19990101, "texts": {"vi": "ảnh đã sửa"}, "facets": {"type": ["map"]}})
    with index.reading() as snapshot:
        searcher = snapshot.searcher
        assert len(snapshot.leaves) >= 2
        assert int(snapshot.alive.sum()) == searcher.doc_count() == 300
        for field, text in [("folded", "anh"), ("exact", "lẻ"), ("folded", "chan"), ("exact", "sửa")]:
            ids, _ = snapshot.postings(field, text)
            expected = set(searcher.reader().postings(field, text).all_ids())
            assert {int(d) for d in ids if snapshot.alive[d]} == expected
    results = index.search(Query(text="lẻ", per_page=5, facets=("type",)))
    odd_unchanged = [n for n in range(1, 300, 2) if n % 7]
    assert results.total == len(odd_unchanged)
    assert results.facets["type"] == {
        "photo": sum(1 for n in odd_unchanged if n % 3),
        "poster": sum(1 for n in odd_unchanged if not n % 3),
    }
    newest = index.search(Query(text="ảnh", order="date", per_page=3))
    assert [h.id for h in newest.hits] == ["299", "298", "297"]
    oldest = index.search(Query(text="ảnh", order="date_asc", per_page=2))
    assert [h.id for h in oldest.hits] == ["0", "7"]


def _document(n: int, text: str) -> dict:
    return {"id": str(n), "date": 20200101 + n, "texts": {"vi": text}, "facets": {"type": ["photo"]}}


TEXTS = ["Quyền con người ở Hà Nội", "Quyen con nguoi o Ha Noi", "communication des droits", "Đắk Lắk và Nghệ An",
         "hà nội mùa thu", "ảnh người dân tộc Tày"]  # fmt: skip


def test_prefixes_of_every_length_and_phrases_find_the_same_as_words(tmp_path, opened):
    index = opened(SearchIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild(_document(n, text) for n, text in enumerate(TEXTS))

    def ids(text):
        return sorted(int(h.id) for h in index.search(Query(text=text, per_page=50)).hits)

    assert ids("q*") == [0, 1]  # one letter: expanded over the lexicon
    assert ids("quy*") == [0, 1]  # two to six letters: one n-gram term
    assert ids("quyen*") == [0, 1]  # the whole word is a prefix of itself
    assert ids("communicat*") == [2]  # past six letters: expanded again
    assert ids("dak*") == [3] and ids("Đắ*") == [3, 5]  # folded: "dân" too
    assert ids('"hà nội"') == [0, 1, 4]
    assert ids('"con người ở"') == [0, 1]
    assert ids('"người ở con"') == []  # three words: the positions are checked
    assert ids("hà -thu") == [0, 1]
    ranked = [h.id for h in index.search(Query(text='"Hà Nội"', per_page=3)).hits]
    assert ranked[-1] == "1"  # the only one without the marks as typed comes last


def test_a_parallel_rebuild_in_small_segments_finds_what_a_single_one_does(tmp_path, opened):
    documents = [_document(n, f"{TEXTS[n % len(TEXTS)]} số {n}") for n in range(240)]
    single = opened(SearchIndex(str(tmp_path / "single"), ("type",)))
    single.rebuild(iter(documents))
    parallel = opened(SearchIndex(str(tmp_path / "parallel"), ("type",)))
    seen = []
    parallel.rebuild(iter(documents), procs=2, chunk=50, on_document=lambda: seen.append(1))
    assert len(seen) == 240
    with parallel.reading() as snapshot:
        assert len(snapshot.leaves) == 5
    for text in ("hà nội", '"con người"', "dak*", "số", "droits -communication"):
        one, other = (i.search(Query(text=text, per_page=300, facets=("type",))) for i in (single, parallel))
        assert sorted(h.id for h in one.hits) == sorted(h.id for h in other.hits)
        assert one.total == other.total and one.facets == other.facets
    assert parallel.digests() == single.digests()


def test_a_save_after_a_rebuild_merges_only_small_segments(tmp_path, opened, monkeypatch):
    """Whoosh's own policy would fold all 30 rebuilt segments into one on the next save."""
    monkeypatch.setattr(search, "REBUILD_CHUNK", 40)
    index = opened(SearchIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild((_document(n, f"ảnh số {n}") for n in range(30 * 40)), chunk=40)

    def sizes():
        with index.reading() as snapshot:
            return sorted(leaf.doc_count_all() for _key, leaf, _offset in snapshot.leaves)

    assert sizes() == [40] * 30
    for n in range(2000, 2008):
        with index.try_writer() as writer:
            writer.upsert(_document(n, f"ảnh mới {n}"))
    assert sizes() == [1] * 8 + [40] * 30
    with index.try_writer() as writer:  # the ninth save merges the eight small ones into its own
        writer.upsert(_document(2008, "ảnh mới"))
    assert sizes() == [9] + [40] * 30
    with index.try_writer() as writer:  # most of one rebuilt segment edited: its live rest is rewritten
        for n in range(15):
            writer.upsert(_document(n, f"ảnh sửa {n}"))
    assert sizes() == [9] + [40] * 30  # 25 kept + 15 edited in one new segment
    assert index.search(Query(text="ảnh", per_page=1)).total == 30 * 40 + 9
    assert index.search(Query(text="sửa", per_page=1)).total == 15


def test_the_one_pass_analysis_gives_the_terms_of_the_field_analyzers():
    from pathlib import Path

    schema = search.build_schema(("type",))
    corpus = Path(__file__).resolve().parents[2] / "archive" / "data" / "corpus"
    texts = [search.normalise(p.read_text(encoding="utf-8"))[:20_000] for p in sorted(corpus.glob("*.txt"))]
    texts += ["một", "Hà Nội", "Đắk Lắk — QUYỀN con_người 2025 Élysée", "a  b\\nc", "ồ ỗ ữ ầ"]
    assert search.analysed("") == {"exact": [], "folded": [], "folded2": [], "prefix": []}  # Whoosh's pairs fail
    for text in texts:
        terms = search.analysed(text)
        for field in ("exact", "folded", "folded2", "prefix"):
            assert terms[field] == [t.text for t in schema[field].analyzer(text, mode="index")], (field, text[:40])
