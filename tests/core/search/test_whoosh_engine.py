"""The Whoosh engine's own ways: arrays read out of its segments, parallel rebuilds, the merge
policy, its analyzers, and the class paths its indexes pickle. What every engine must do is in
test_contract.py; Whoosh's private names are in test_whoosh_private.py."""

import io
import os
import pickle
import unicodedata
from pathlib import Path

import pytest

from core.search import IndexUnavailable, Query, schema, snippets
from core.search import whoosh_engine as engine
from core.search.analysis import folded_words, normalise, terms, words
from core.search.whoosh_engine import WhooshIndex


@pytest.fixture
def opened():
    """Closes the indexes a test opens, so no file is left to the garbage collector."""
    indexes = []
    yield lambda index: indexes.append(index) or index
    for index in indexes:
        index.close()


def test_arrays_read_from_whoosh_agree_with_its_own_matchers(tmp_path, opened):
    """Posting lists over several blocks and segments, with deletions, read block by block."""
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
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
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
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
    single = opened(WhooshIndex(str(tmp_path / "single"), ("type",)))
    single.rebuild(iter(documents))
    parallel = opened(WhooshIndex(str(tmp_path / "parallel"), ("type",)))
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
    monkeypatch.setattr(engine, "REBUILD_CHUNK", 40)
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
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


def test_a_bulk_write_goes_in_chunks_to_two_processes_and_looks_up_only_old_ids(tmp_path, opened, monkeypatch):
    monkeypatch.setattr(engine, "REBUILD_CHUNK", 50)
    monkeypatch.setattr(engine, "PART_MIN", 20)
    looked_up = []
    delete_in_segment = engine._delete_in_segment
    monkeypatch.setattr(engine, "_delete_in_segment", lambda writer, segment, ids: looked_up.extend(ids)
                        or delete_in_segment(writer, segment, ids))  # fmt: skip
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild((_document(n, f"ảnh cũ {n}") for n in range(100)), chunk=50)
    with index.try_writer(procs=2) as writer:
        for n in range(1000, 1160):
            writer.upsert(_document(n, f"ảnh mới {n}"))  # three chunks of 50 as they come
        writer.upsert(_document(1010, "ảnh viết lại"))  # written in the first chunk already
        writer.delete("1060")  # in the second
        for n in (7, 77):
            writer.upsert(_document(n, f"ảnh sửa {n}"))  # an old id in each rebuilt segment
    assert sorted(looked_up) == ["7", "77"]  # new ids are above every segment's range
    with index.reading() as snapshot:
        sizes = sorted(leaf.doc_count_all() for _key, leaf, _offset in snapshot.leaves)
    assert sizes == [13, 50, 50, 50, 50, 50]  # the rest: ten new, one rewritten, two old ids
    assert index.count() == 100 + 160 - 1
    assert index.search(Query(text="ảnh mới", per_page=1)).total == 158
    assert [h.id for h in index.search(Query(text="viết lại")).hits] == ["1010"]
    assert sorted(h.id for h in index.search(Query(text="sửa")).hits) == ["7", "77"]
    assert index.search(Query(text="ảnh cũ", per_page=1)).total == 98
    assert len(index.digests()) == index.count()


def test_a_writer_that_fails_in_bulk_leaves_the_index_as_it_was(tmp_path, opened, monkeypatch):
    monkeypatch.setattr(engine, "REBUILD_CHUNK", 50)
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild(_document(n, f"ảnh cũ {n}") for n in range(10))
    with pytest.raises(RuntimeError), index.try_writer(procs=2) as writer:
        for n in range(10, 130):
            writer.upsert(_document(n, f"ảnh mới {n}"))
        writer.delete("3")
        raise RuntimeError("the database went away")
    assert index.count() == 10 and index.search(Query(text="mới")).total == 0
    with index.try_writer() as writer:  # the lock was released, and no stray segment is listed
        writer.upsert(_document(200, "ảnh sau"))
    assert index.count() == 11
    folder = os.path.realpath(index.path)
    with index.reading() as snapshot:
        listed = {leaf.segment().segment_id() for _key, leaf, _offset in snapshot.leaves}
    files = [name for name in os.listdir(folder) if not name.startswith(("_MAIN_", "MAIN_WRITELOCK", "snippets."))]
    assert {name.split(".")[0] for name in files} == listed
    # The snippet store rolled back with the index: the failed block's records are not there either.
    store = snippets.SqliteSnippetStore.open(Path(folder))
    every = lambda where: sorted({n for numbers in where.values() for n in numbers})  # noqa: E731
    assert store.find({"200": None}, frozenset({"sau"}), ["vi"], every)["200"].passages == ["ảnh sau"]
    assert store.find({str(n): None for n in range(10, 130)}, frozenset({"moi"}), ["vi"], every) == {}
    store.close()


def test_a_segment_whose_documents_are_all_replaced_is_dropped_not_merged(tmp_path, opened):
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild((_document(n, f"ảnh {n}") for n in range(40)), chunk=20)
    with index.try_writer() as writer:
        for n in range(20):
            writer.upsert(_document(n, f"ảnh sửa {n}"))
    with index.reading() as snapshot:
        assert sorted(leaf.doc_count_all() for _key, leaf, _offset in snapshot.leaves) == [20, 20]
    assert index.search(Query(text="sửa", per_page=1)).total == 20 and index.count() == 40


def test_the_one_pass_analysis_gives_the_terms_of_the_field_analyzers():
    """Documents and queries are analysed in plain Python; Whoosh's analyzers (snippets) agree."""
    whoosh_schema = engine.build_schema(("type",))
    corpus = Path(__file__).resolve().parents[3] / "archive" / "data" / "corpus"
    texts = [normalise(p.read_text(encoding="utf-8"))[:20_000] for p in sorted(corpus.glob("*.txt"))]
    assert len(texts) >= 5
    texts += ["một", "Hà Nội", "Đắk Lắk — QUYỀN con_người 2025 Élysée", "a  b\\nc", "ồ ỗ ữ ầ"]
    assert terms("") == {"words": [], "folded": [], "pairs": [], "prefixes": []}  # Whoosh's pairs fail on ""
    for text in texts:
        analysed = terms(text)
        for field in schema.SEARCHED:
            expected = [t.text for t in whoosh_schema[field.name].analyzer(text, mode="index")]
            assert analysed[field.analysis] == expected, (field.name, text[:40])
        decomposed = unicodedata.normalize("NFD", text)
        assert words(decomposed) == [t.text for t in whoosh_schema["exact"].analyzer(decomposed, mode="query")]
        assert folded_words(decomposed) == [t.text for t in whoosh_schema["folded"].analyzer(decomposed, mode="query")]


class _ClassPaths(pickle.Unpickler):
    """Unpickles, noting the class paths the pickle names."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.paths = set()

    def find_class(self, module, name):
        self.paths.add(f"{module}.{name}")
        return super().find_class(module, name)


def test_indexes_name_the_analyzers_by_the_path_older_indexes_pickled():
    """Whoosh pickles the schema into every index, and indexes written before core/search/ was a
    package name `core.search.<class>`: that path must resolve, or they no longer open."""
    unpickler = _ClassPaths(pickle.dumps(engine.build_schema(("type", "place"))))
    unpickled = unpickler.load()
    ours = {path for path in unpickler.paths if path.startswith("core.")}
    assert ours == {"core.search._NfcTokenizer", "core.search._FoldFilter", "core.search._ProperPrefixFilter"}
    assert [t.text for t in unpickled["prefix"].analyzer("Quyền")] == ["qu", "quy", "quye"]


def test_searches_reuse_the_searcher_until_the_index_changes(tmp_path, opened):
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.ensure()
    with index.try_writer() as writer:
        writer.upsert(_document(1, "ảnh một"))
    with index.reading() as first:
        assert index.search(Query(text="anh")).total == 1
    with index.reading() as second:
        assert second is first and second.searcher is first.searcher and second.store is first.store
    with index.try_writer() as writer:
        writer.upsert(_document(2, "ảnh hai"))
    with index.reading() as third:
        assert third is not first and third.count == 2
    assert first.searcher.is_closed  # retired, and closed once no reader used it
    with index.reading() as fourth:
        assert fourth is third


def test_a_crash_between_the_two_commits_shows_no_snippet_of_another_version(tmp_path, opened, monkeypatch):
    """The store commits first: a failed index commit leaves it a record with a digest the index lacks."""
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.ensure()
    with index.try_writer() as writer:
        writer.upsert({**_document(1, "Ảnh cũ về quyền con người"), "digest": "old"})

    def failing_commit(self, *args, **kwargs):
        self.cancel()
        raise OSError("disk full")

    monkeypatch.setattr(engine.SegmentWriter, "commit", failing_commit)
    with pytest.raises(OSError), index.try_writer() as writer:
        writer.upsert({**_document(1, "Ảnh mới về quyền trẻ em"), "digest": "new"})
    monkeypatch.undo()
    [hit] = index.search(Query(text="quyen", snippet_lang="vi")).hits
    assert hit.snippet is None  # the index still holds the old version; the store only the new one
    with index.try_writer() as writer:  # the outbox applies the task again
        writer.upsert({**_document(1, "Ảnh mới về quyền trẻ em"), "digest": "new"})
    [hit] = index.search(Query(text="quyen", snippet_lang="vi")).hits
    assert "mới" in hit.snippet


def test_an_index_made_before_the_snippet_store_answers_without_snippets_until_rebuilt(tmp_path, opened, caplog):
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild(iter([_document(1, "Quyền con người"), _document(2, "Quyền trẻ em")]))
    index.close()
    for path in Path(index.path).resolve().glob(f"{snippets.STORE_FILE}*"):
        path.unlink()  # as an index written by an earlier version
    with caplog.at_level("WARNING", logger="core.search.snippets"):
        results = index.search(Query(text="quyen", snippet_lang="vi"))
        with index.try_writer() as writer:
            writer.upsert(_document(3, "Quyền được giáo dục"))
        later = index.search(Query(text="quyen", snippet_lang="vi", per_page=10))
    assert results.total == 2 and later.total == 3 and all(h.snippet is None for h in results.hits + later.hits)
    assert len(caplog.records) == 1 and "flask --app app search reindex" in caplog.records[0].getMessage()
    index.rebuild(iter([_document(1, "Quyền con người")]))
    assert "<mark" in index.search(Query(text="quyen", snippet_lang="vi")).hits[0].snippet


def test_a_parallel_rebuild_gives_every_document_its_snippet(tmp_path, opened):
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild((_document(n, f"{TEXTS[n % len(TEXTS)]} số {n}") for n in range(60)), procs=2, chunk=25)
    results = index.search(Query(text="so", per_page=60, snippet_lang="vi"))
    assert results.total == 60 and all(f"số</mark> {h.id}" in h.snippet for h in results.hits)
    assert [p.name for p in Path(index.path).resolve().iterdir() if p.name.startswith("snippets-part")] == []


def test_a_damaged_snippet_store_makes_the_index_one_to_rebuild(tmp_path, opened):
    index = opened(WhooshIndex(str(tmp_path / "index"), ("type",)))
    index.rebuild(iter([_document(1, "Quyền con người")]))
    index.close()
    for path in Path(index.path).resolve().glob(f"{snippets.STORE_FILE}*"):
        path.write_bytes(b"\0" * 4096)
    assert index.search(Query(text="quyen", snippet_lang="vi")).hits[0].snippet is None  # searches still answer
    with pytest.raises(IndexUnavailable), index.try_writer():  # what `search reindex` repairs
        pass
    index.rebuild(iter([_document(1, "Quyền con người")]))
    assert "<mark" in index.search(Query(text="quyen", snippet_lang="vi")).hits[0].snippet
