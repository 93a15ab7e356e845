"""Whoosh's private names stay in core/search/whoosh_engine.py, declared, and each is held to
Whoosh's public answer, so a Whoosh upgrade that changes one fails here and not in production.

The scan reads the engine module with `ast`: every `._name` attribute, `_name=` keyword and
`_name` imported from whoosh that is not one of the module's own names is Whoosh's, and the
set of them must equal WHOOSH_PRIVATE_NAMES. The module's own private names may not shadow a
declared one (the scan could not tell them apart).
"""

import ast
import inspect
import os
import re
from pathlib import Path

import numpy as np
import pytest
import whoosh.writing
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.writing import SegmentWriter

from core.search import schema, snippets
from core.search import whoosh_engine as engine
from core.search.generations import GenerationalIndex
from core.search.whoosh_engine import WhooshIndex
from tests.test_layering import ROOT, application_files, imported_modules

ENGINE_FILE = Path(engine.__file__)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def engine_names(path: Path = ENGINE_FILE) -> tuple[set[str], set[str], set[str]]:
    """(private names the module uses, private names it defines, names it mentions at all)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used, own, mentioned = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            mentioned.add(node.attr)
            if _private(node.attr):
                used.add(node.attr)
                if isinstance(node.ctx, ast.Store) and getattr(node.value, "id", None) == "self":
                    own.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg and _private(node.arg):
            used.add(node.arg)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            used |= {alias.name for alias in node.names if _private(alias.name)}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef) and _private(node.name):
            own.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            mentioned.add(node.value)
    return used, own, mentioned


def test_the_engine_declares_exactly_the_private_whoosh_names_it_uses():
    used, own, _mentioned = engine_names()
    own |= {name for name in vars(GenerationalIndex) if _private(name)}  # inherited from our own base
    assert used - own == engine.WHOOSH_PRIVATE_NAMES
    assert own & engine.WHOOSH_PRIVATE_NAMES == set()


def test_the_undocumented_names_declared_are_used():
    _used, _own, mentioned = engine_names()
    assert mentioned >= engine.WHOOSH_UNDOCUMENTED_NAMES


def test_the_scan_finds_a_private_name_it_was_not_told_about(tmp_path):
    module = tmp_path / "engine.py"
    module.write_text("from whoosh.x import _helper\nclass _Mine:\n    def f(self, leaf):\n"
                      "        self._own = leaf._secret(_flag=True)\n        return self._own, _helper\n")  # fmt: skip
    used, own, _mentioned = engine_names(module)
    assert used - own == {"_secret", "_flag", "_helper"}


def test_whoosh_is_imported_by_the_engine_module_only():
    importers = {str(p.relative_to(ROOT)) for p in application_files()
                 if any(m.split(".")[0] == "whoosh" for m in imported_modules(p))}  # fmt: skip
    assert importers == {"core/search/whoosh_engine.py"}


# --- Each name against Whoosh's public answer ----------------------------------------------


@pytest.fixture
def index(tmp_path, monkeypatch):
    # Whoosh's own block size, so that a few hundred documents span several blocks a term.
    monkeypatch.setattr(engine, "POSTING_BLOCK", 128)
    index = WhooshIndex(str(tmp_path / "index"), ("type",))
    yield index
    index.close()


def _fill(index, count=300):
    """One segment of `count` documents (posting lists over several blocks), then a second
    segment that replaces every seventh, leaving deletions in the first."""
    index.ensure()
    with index.try_writer() as writer:
        for n in range(count):
            words = " ".join(["ảnh"] * (1 + n % 4) + ["số", str(n)] + ["lẻ" if n % 2 else "chẵn"] * (n % 50))
            writer.upsert({"id": str(n), "date": 20000101 + n, "texts": {"vi": words}, "facets": {"type": ["photo"]}})
        writer.upsert({"id": "empty-a", "texts": {}})  # trailing documents without text: length 0
        writer.upsert({"id": "empty-b", "texts": {}})
    with index.try_writer() as writer:
        for n in range(0, count, 7):
            writer.upsert({"id": str(n), "texts": {"vi": "ảnh đã sửa"}, "facets": {"type": ["map"]}})


def _leaves(index):
    with index.reading() as snapshot:
        return snapshot, [(leaf, offset) for _key, leaf, offset in snapshot.leaves]


def test_postings_read_block_by_block_are_whooshs_postings(index):
    """_terms, _read_data, _data, _maxid, _lastblock, _goto, _nextoffset."""
    _fill(index)
    snapshot, leaves = _leaves(index)
    first = leaves[0][0]
    assert isinstance(first._terms.matcher("folded", b"anh", first.schema["folded"].format), W3LeafMatcher)
    assert first.doc_frequency("folded", "anh") > 2 * 128  # three blocks at least
    checked = 0
    for leaf, _offset in leaves:
        for field, text in [("folded", "anh"), ("exact", "ảnh"), ("folded", "le"), ("folded", "299"),
                            ("exact", "sửa"), ("prefix", "ch"), ("folded", "absent")]:  # fmt: skip
            ids, weights = engine._read_postings(leaf, field, text.encode("utf-8"))
            ours = {int(d): float(w) for d, w in zip(ids, weights, strict=True) if not leaf.is_deleted(int(d))}
            theirs = {}
            if text in {t.decode() if isinstance(t, bytes) else t for t in leaf.lexicon(field)}:
                matcher = leaf.postings(field, text)
                while matcher.is_active():
                    theirs[matcher.id()] = matcher.weight()
                    matcher.next()
            assert ours == pytest.approx(theirs), (field, text)
            checked += len(theirs)
    assert checked > 600


def test_field_lengths_are_whooshs_doc_field_lengths(index):
    """_perdoc, _cached_reader, _lenfield, _dbfile, _basepos, _count."""
    _fill(index)
    _snapshot, leaves = _leaves(index)
    for leaf, _offset in leaves:
        for field in ("folded", "exact", "folded2", "prefix"):
            ours = engine._field_lengths(leaf, field)
            # Whoosh answers None past the last document with a length; they count as 0.
            theirs = [leaf.doc_field_length(n, field) or 0 for n in range(leaf.doc_count_all())]
            assert ours.tolist() == theirs, field
            assert ours.any()
    assert engine._field_lengths(leaves[0][0], "folded")[-2:].tolist() == [0, 0]


def test_deleted_documents_are_whooshs_deleted_documents(index):
    """deleted_docs_set."""
    _fill(index)
    snapshot, leaves = _leaves(index)
    expected = np.ones(snapshot.size, dtype=bool)
    for leaf, offset in leaves:
        for n in range(leaf.doc_count_all()):
            expected[offset + n] = not leaf.is_deleted(n)
    assert (~expected).sum() == len(range(0, 300, 7))
    assert snapshot.alive.tolist() == expected.tolist()
    assert snapshot.count == snapshot.searcher.doc_count() == int(expected.sum())


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_commits_its_segments_as_whooshs_writer_would(index, procs):
    """_lk, _finalize_segment, _close_segment, _commit_toc, _finish: segments written without
    the lock the rebuild holds, listed in one table of contents, the lock released after."""
    index.rebuild(({"id": str(n), "texts": {"vi": f"ảnh số {n}"}} for n in range(120)), procs=procs, chunk=50)
    folder = os.path.realpath(index.path)
    ix = whoosh_index.open_dir(folder)
    assert ix.latest_generation() == 1 and ix.doc_count() == 120
    with ix.searcher() as searcher:
        assert sorted(int(f["id"]) for f in searcher.all_stored_fields()) == list(range(120))
        segment_ids = {leaf.segment().segment_id() for leaf, _offset in searcher.reader().leaf_readers()}
    assert len(segment_ids) == 3
    store = {name for name in os.listdir(folder) if name.startswith(snippets.STORE_FILE)}  # no part left either
    files = set(os.listdir(folder)) - {"_MAIN_1.toc", "MAIN_WRITELOCK"} - store
    assert {name.split(".")[0] for name in files} == segment_ids  # no segment left out of the TOC
    writer = ix.writer()  # the lock was released
    writer.cancel()
    ix.close()


WORDS = ["Quyền con người ở Hà Nội", "communication des droits", "Đắk Lắk và Nghệ An", "ảnh người dân tộc Tày"]


def _doc(n: int, text: str) -> dict:
    return {"id": str(n), "date": 20200101 + n, "texts": {"vi": text}, "facets": {"type": ["photo"]}}


def _segment_read(folder: Path, documents: list, bulk: bool) -> dict:
    """Everything the segment of `documents` holds, written in bulk (_index_chunk) or by Whoosh's own
    add_document: stored fields, and per field its terms' postings (document, weight, encoded value),
    document lengths and column."""
    folder.mkdir()
    index = whoosh_index.create_in(str(folder), engine.build_schema(("type", "place")))
    writer = SegmentWriter(index, codec=engine._codec(), compound=False)
    if bulk:
        segment = engine._index_chunk((str(folder), ("type", "place"), documents, False))
        writer.commit(mergetype=lambda _writer, segments: [*segments, segment])
    else:
        for document in documents:
            writer.add_document(**schema.document_fields(document, ("type", "place")))
        writer.commit(merge=False)
    with index.reader() as whole:
        [(reader, _offset)] = whole.leaf_readers()
        held = {"stored": list(reader.all_stored_fields()), "columns": list(reader.column_reader("date"))}
        for field in reader.indexed_field_names():
            postings = {}
            for text in reader.lexicon(field):
                matcher = reader.postings(field, text)
                postings[text] = []
                while matcher.is_active():
                    postings[text].append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
            lengths = [reader.doc_field_length(n, field) for n in range(reader.doc_count_all())]
            held[field] = (postings, lengths)
    index.close()
    return held


def test_a_segment_written_in_bulk_holds_what_whooshs_writer_writes(tmp_path):
    """_postwriter, _blocklimit, _write_block, _ids, _weights, _values, _maxweight: a segment written in
    bulk (_index_chunk, _write_segment, _fill_blocks) holds the same postings — documents, weights, positions,
    over several blocks —, lengths, stored fields and dates as Whoosh's add_document writes."""
    corpus = ROOT / "archive" / "data" / "corpus"
    long_text = next(iter(sorted(corpus.glob("*.txt")))).read_text(encoding="utf-8")[:6_000]
    documents = [{**_doc(n, f"{WORDS[n % len(WORDS)]} số {n} {'lẻ' if n % 2 else 'chẵn'} {'tròn' * (n < 128)}"),
                  "digest": f"d{n}", "extra": f"B-{n:04d} ICCPR", "facets": {"type": ["photo"], "place": ["hn"]}}
                 for n in range(160)]  # fmt: skip
    documents += [_doc(300, long_text), {"id": "empty", "texts": {}}, _doc(301, "ảnh ảnh ảnh ảnh")]
    ours, theirs = (
        _segment_read(tmp_path / "ours", documents, True),
        _segment_read(tmp_path / "theirs", documents, False),
    )
    assert ours.keys() == theirs.keys() and len(ours["stored"]) == 163
    for key in theirs:
        assert ours[key] == theirs[key], key
    assert len(theirs["folded"][0][b"so"]) > 128 == len(theirs["folded"][0][b"tron"])  # two blocks, one full


def test_the_codec_writes_no_length_statistics():
    """length_stats: Whoosh's writer still consults it, so turning it off still saves the work."""
    assert W3Codec().length_stats is True
    assert engine._codec().length_stats is False
    assert engine._codec()._blocklimit == engine.POSTING_BLOCK > 128
    assert "codec.length_stats" in inspect.getsource(whoosh.writing.SegmentWriter)


COVERED = {
    test_postings_read_block_by_block_are_whooshs_postings: {
        "_terms", "_read_data", "_data", "_maxid", "_lastblock", "_goto", "_nextoffset"},
    test_field_lengths_are_whooshs_doc_field_lengths: {
        "_perdoc", "_cached_reader", "_lenfield", "_dbfile", "_basepos", "_count"},
    test_deleted_documents_are_whooshs_deleted_documents: {"deleted_docs_set"},
    test_a_rebuild_commits_its_segments_as_whooshs_writer_would: {
        "_lk", "_finalize_segment", "_close_segment", "_commit_toc", "_finish"},
    test_the_codec_writes_no_length_statistics: {"length_stats"},
    test_a_segment_written_in_bulk_holds_what_whooshs_writer_writes: {
        "_postwriter", "_blocklimit", "_write_block", "_ids", "_weights", "_values", "_maxweight"},
}  # fmt: skip


def test_every_declared_name_has_its_test():
    covered = [name for names in COVERED.values() for name in names]
    assert len(covered) == len(set(covered))
    assert set(covered) == engine.WHOOSH_PRIVATE_NAMES | engine.WHOOSH_UNDOCUMENTED_NAMES
    for test, names in COVERED.items():
        assert set(names) <= set(re.findall(r"\w+", test.__doc__)), test.__name__  # named in its docstring
