"""The Whoosh engine: the only module that imports whoosh (the maintained fork, whoosh-reloaded).

Documents go in as the schema gives their fields (core.search.schema); queries are evaluated
with numpy over posting lists read out of the segments (core.search.ranking), which takes a
few of Whoosh's private names: they are listed in WHOOSH_PRIVATE_NAMES, and each is held to
Whoosh's public answer by a test (tests/core/search/test_whoosh_private.py) that fails on an
upgrade that changes it.
"""

import bisect
import functools
import gc
import multiprocessing
import os
import shutil
import threading
import time
from array import array
from collections import OrderedDict, deque
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import BiWordFilter, Filter, LowercaseFilter, RegexTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, _lenfield
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.index import LockError
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from core.search import ranking as r
from core.search import schema as doc
from core.search.analysis import PREFIX_MAX, fold_word, normalise
from core.search.bulk import chunks
from core.search.errors import IndexUnavailable
from core.search.generations import GenerationalIndex
from core.search.query import Hit, Query, Results, parse_text
from core.search.snippets import SqliteSnippetStore, snippet_record, snippets_for

# Whoosh's names that are private (a leading underscore) and that this module uses; a test
# reads the module and keeps this set exact, and each name has a test against Whoosh's public
# answer. Our own private names never shadow one of these, so the scan can tell them apart.
WHOOSH_PRIVATE_NAMES = frozenset({
    # a term's posting blocks, read whole (_read_postings)
    "_terms", "_read_data", "_data", "_maxid", "_lastblock", "_goto", "_nextoffset",
    # a field's length column, read as one byte string (_field_lengths)
    "_perdoc", "_cached_reader", "_lenfield", "_dbfile", "_basepos", "_count",
    # segments written by worker processes and listed in one commit (rebuild, _index_chunk)
    "_lk", "_finalize_segment", "_close_segment", "_commit_toc", "_finish",
    # a term's postings given to the postings writer a block at a time (_fill_blocks)
    "_postwriter", "_blocklimit", "_write_block", "_ids", "_weights", "_values", "_maxweight",
})  # fmt: skip
# Public but undocumented names this module relies on, each with a test as well.
WHOOSH_UNDOCUMENTED_NAMES = frozenset({"deleted_docs_set", "length_stats"})

# A segment of 5,000 documents holds its postings in memory until it is written (~80 MB for
# records of about sixty words): the unit of a rebuild, and of a backlog written in bulk.
REBUILD_CHUNK = 5000
POSTING_BLOCK = 4096
MERGE_FACTOR = 8
# Documents of one writer that go to Whoosh's own segment, below this (_Writer).
FEW = 100
# The fewest documents worth a process of their own when a writer's last ones are shared out.
PART_MIN = 1000
MAX_DELETED_SHARE = 0.3


# --- Analyzers -----------------------------------------------------------------------------
# They give the terms of core.search.analysis (a test holds them equal). Documents arrive
# with their terms already made (schema.document_fields), so Whoosh skips them: they keep the
# index describing itself. Their class path is part of the index format: Whoosh pickles the
# schema into every index, where it has been `core.search.<class>` since before this package;
# `__module__` keeps it, so indexes written before open without a rebuild
# (core/search/__init__.py makes the path resolve).


class _NfcTokenizer(RegexTokenizer):
    # Offsets refer to the NFC text, which is also what the index stores for snippets.
    __module__ = "core.search"

    def __call__(self, value, **kwargs):
        return super().__call__(normalise(value), **kwargs)


class _FoldFilter(Filter):
    """Drops the marks of each token (stacked ones too) and folds đ → d; offsets stay."""

    __module__ = "core.search"

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_word(token.text)
            yield token


class _ProperPrefixFilter(Filter):
    """The leading 2 to PREFIX_MAX letters of each token, short of the whole token."""

    __module__ = "core.search"

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            for size in range(2, min(len(text), PREFIX_MAX + 1)):
                token.text = text[:size]
                yield token


def _words_analyzer():
    return _NfcTokenizer(r"\w+") | LowercaseFilter()


def _folded_analyzer():
    return _words_analyzer() | _FoldFilter()


_ANALYZERS = {
    "words": _words_analyzer,
    "folded": _folded_analyzer,
    "pairs": lambda: _folded_analyzer() | BiWordFilter(sep=" "),
    "prefixes": lambda: _folded_analyzer() | _ProperPrefixFilter(),
}


def _whoosh_field(field: doc.Field):
    if field.analysis == doc.KEY:
        return ID(unique=True, stored=field.stored)
    if field.analysis == doc.STORED:
        return STORED()
    if field.analysis == doc.NUMBER:
        return NUMERIC(int, bits=32, sortable=True, stored=field.stored)
    if field.analysis == doc.CODES:
        return TEXT(analyzer=RegexTokenizer(r"\S+"), phrase=False)
    return TEXT(analyzer=_ANALYZERS[field.analysis](), phrase=field.positions, stored=field.stored)


def build_schema(facets: tuple[str, ...]) -> Schema:
    """The Whoosh layout of core.search.schema's fields and facets."""
    schema = Schema(**{field.name: _whoosh_field(field) for field in doc.FIELDS})
    for name in facets:
        # Space-separated codes: the postings of each value give the facet sets.
        schema.add(doc.facet_field(name), _whoosh_field(doc.Field(doc.facet_field(name), doc.CODES)))
    # Texts are not stored: snippets come from the snippet store beside the index
    # (core.search.snippets), which reads one passage where Whoosh read the whole text.
    return schema


# --- The index -----------------------------------------------------------------------------


def _merge_policy(writer, segments, written=()):
    """Merge segments of one size class once MERGE_FACTOR of them gather, and any segment
    that is mostly deleted documents; leave alone the segments a rebuild writes. `written`:
    segments this commit adds beside the writer's own (a bulk write), kept as they are.

    Whoosh's own policy merges every segment into one as soon as about twenty exist, which
    after a rebuild of 100,000 records made one save rewrite the whole index (80 s).
    """
    classes: dict[int, list] = {}
    merging, dropped = [], []
    for segment in segments:
        size = segment.doc_count_all()
        if segment.deleted_count() >= size:
            dropped.append(segment)  # nothing left to merge: its files go with the commit
        elif segment.deleted_count() > size * MAX_DELETED_SHARE:
            merging.append(segment)
        elif size < REBUILD_CHUNK // 2:
            classes.setdefault(len(str(size)), []).append(segment)  # by number of digits
    for _digits, group in sorted(classes.items()):
        if len(group) >= MERGE_FACTOR:
            merging += group
            break
    for segment in merging:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in merging and s not in dropped] + list(written)


# Segments are written as separate files, not one compound file: Whoosh opens a compound
# file by copying all of it into memory, which made every searcher refresh cost ~90 ms.
def _codec():
    """Whoosh's codec without per-block length statistics, in blocks of POSTING_BLOCK postings.

    Both serve Whoosh's own block-skipping scorer, which core.search.ranking replaces: gathering
    the statistics re-reads a document's length for every posting and cost a sixth of a rebuild,
    and a posting list is read whole, so its cost is the number of blocks it spans (one file
    read, one unpickling each): Whoosh's 128 postings a block made a word found in half of a
    million records 4,000 blocks.
    """
    codec = W3Codec(blocklimit=POSTING_BLOCK)
    codec.length_stats = False
    return codec


class WhooshIndex(GenerationalIndex):
    """One index folder (a core.search.SearchEngine); `path` is a symlink to the live
    generation, so a rebuild swaps it at once. Each generation holds its snippet store."""

    def __init__(self, path: str, facets: tuple[str, ...]):
        self.path = Path(path)
        self.facets = tuple(facets)
        self.schema = build_schema(self.facets)
        self._lock = threading.Lock()
        self._opened: tuple | None = None  # (real path, index, searcher, its snippet store or None)
        self._current: _Snapshot | None = None
        self._retired: list = []  # replaced (searcher, store) pairs, closed when no reader uses them
        self._users: dict[int, int] = {}  # id(searcher) → readers using it now
        self._parts: OrderedDict = OrderedDict()  # segment key → {part name: array}
        self._parts_lock = threading.Lock()
        self._postings: OrderedDict = OrderedDict()  # (segment key, field, text) → (ids, weights)
        self._postings_bytes = 0
        self._id_ranges: dict[str, tuple] = {}  # segment id → its lowest and highest id (_delete_committed)

    # Opening -------------------------------------------------------------------------------

    def _create_empty(self, folder: Path) -> None:
        whoosh_index.create_in(folder, self.schema)
        SqliteSnippetStore.create(folder)

    def _open(self, real: str | None = None):
        # By the real folder: a writer opened before a swap must keep working in its own.
        self.ensure()
        real = real or os.path.realpath(self.path)
        if self.path.is_symlink() and not self._own(Path(real)):
            raise IndexUnavailable(f"the search index {self.path} links to {real}, outside its folder")
        try:
            return whoosh_index.open_dir(real)
        except Exception as error:  # empty, half-built, truncated: whatever Whoosh finds, the index is unusable
            raise IndexUnavailable(f"the search index at {real} cannot be opened: {error!r}") from error

    def _current_searcher(self):
        # Called with self._lock held. A searcher that is replaced is retired, and closed
        # once no reader still uses it. Its snippet store is opened with it and kept as long:
        # a reader keeps its generation's store after a rebuild removes the folder.
        real = os.path.realpath(self.path)
        if self._opened is None or self._opened[0] != real:
            self.ensure()
            real = os.path.realpath(self.path)
            ix = self._open(real)
            self._retire()
            self._opened = (real, ix, _searcher(ix, real), SqliteSnippetStore.open(real))
        real, ix, searcher, store = self._opened
        if not searcher.up_to_date():
            # Not searcher.refresh(): it reuses segment readers by segment id and so keeps
            # their old deletions, showing an updated document twice.
            self._retire()
            searcher = _searcher(ix, real)
            store = SqliteSnippetStore.open(real)
            self._opened = (real, ix, searcher, store)
        return searcher, store

    def _retire(self) -> None:
        if self._opened is not None:
            self._retired.append(self._opened[2:])
            self._opened = None
            self._current = None

    def _reap(self) -> None:
        for searcher, store in [pair for pair in self._retired if not self._users.get(id(pair[0]))]:
            self._retired.remove((searcher, store))
            searcher.close()
            if store is not None:
                store.close()

    @contextmanager
    def reading(self):
        """The up-to-date snapshot of the index, kept open (and unchanged) while the block runs."""
        with self._lock:
            searcher, store = self._current_searcher()
            if self._current is None or self._current.searcher is not searcher:
                self._current = _Snapshot(self, searcher, store)
            snapshot = self._current
            self._users[id(searcher)] = self._users.get(id(searcher), 0) + 1
        try:
            yield snapshot
        finally:
            with self._lock:
                self._users[id(searcher)] -= 1
                if not self._users[id(searcher)]:
                    del self._users[id(searcher)]
                self._reap()

    def close(self) -> None:
        """Close every open searcher (the object stays usable: the next read reopens)."""
        with self._lock:
            self._retire()
            self._reap()

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def try_writer(self, procs: int = 1):
        """Yield a writer, or None at once when another process holds the index lock.

        Past REBUILD_CHUNK documents, the block's documents are written as a rebuild writes
        them, in segments of that size by `procs` processes (see _Writer). The snippet store
        commits just before the index: a crash between the two leaves records whose digest
        differs from the index's, which give no snippet until the task is applied again."""
        self.ensure()
        real = os.path.realpath(self.path)
        try:
            writer = self._open(real).writer(codec=_codec(), compound=False)
        except LockError:
            yield None
            return
        wrapped = None
        try:
            with SqliteSnippetStore.writer_in(Path(real)) as snippet_writer:
                wrapped = _Writer(writer, self, snippet_writer, procs)
                yield wrapped
                written = wrapped.finish()
        except BaseException:
            if wrapped is not None:
                wrapped.abandon()
            writer.cancel()
            raise
        if wrapped.changed:
            writer.commit(mergetype=functools.partial(_merge_policy, written=written))
        else:
            writer.cancel()

    def rebuild(self, documents, procs: int = 1, on_document=None, keep_old: bool = False,
                chunk: int = REBUILD_CHUNK) -> Path | None:  # fmt: skip
        """Index `documents` into a fresh folder and swap it in; drop the old one unless kept.

        Every `chunk` documents become one segment, written by one of `procs` processes.
        Returns the replaced folder when `keep_old` (pass it to `discard` later).
        """
        folder = self._new_generation()
        ix = whoosh_index.create_in(folder, self.schema)
        SqliteSnippetStore.create(folder)
        # The parent holds the index lock; segments are written unlocked by the workers and
        # listed in the table of contents in one commit, as Whoosh's own MpWriter does.
        writer = ix.writer(codec=_codec(), compound=False)
        try:
            # Documents are analysed in the workers: the parent only reads and hands them on.
            tasks = ((str(folder), self.facets, c, True) for c in chunks(documents, chunk, on_document))
            if procs > 1:
                # gc.freeze: a worker's collector leaves alone what it inherited (after a big import, millions
                # of objects it would walk at every full collection, copying their pages as it goes).
                context = multiprocessing.get_context("fork")
                with context.Pool(procs, initializer=gc.freeze) as pool:
                    segments = _indexed_in_order(pool, tasks, window=2 * procs)
            else:
                segments = [_index_chunk(task) for task in tasks]
        except BaseException:
            writer.cancel()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        SqliteSnippetStore.join_parts(folder)
        writer._close_segment()
        writer._commit_toc([s for s in segments if s is not None])
        writer._finish()
        old = self._swap_to(folder)
        if keep_old:
            return old
        self.discard(old)
        return None

    # Reading -------------------------------------------------------------------------------

    def digests(self) -> dict[str, str | None]:
        """Every indexed id with the digest it was indexed with."""
        with self.reading() as snapshot:
            return {fields["id"]: fields.get("digest") for fields in snapshot.searcher.all_stored_fields()}

    def count(self) -> int:
        """The number of documents."""
        with self.reading() as snapshot:
            return snapshot.count

    def search(self, request: Query) -> Results:
        """One page of hits in relevance or date order, facet counts over every hit, snippets."""
        with self.reading() as snapshot:
            return snapshot.search(request)

    def version(self) -> str:
        """The live generation and its folder's mark: every commit writes a new table of contents there."""
        # The newest table of contents names the commit (_MAIN_<generation>.toc): a clock's mark alone could
        # repeat within its resolution.
        real = os.path.realpath(self.path)
        try:
            tocs = [name for name in os.listdir(real) if name.endswith(".toc")]
        except OSError:
            return f"{real}:none"
        return f"{real}:{max(tocs, key=lambda name: (len(name), name), default='')}"

    def _segment_part(self, key: tuple, name: tuple, build):
        # Segments never change once written (only their deletions do): their arrays are
        # kept across searcher refreshes, so a save re-reads only the new small segment.
        with self._parts_lock:
            parts = self._parts.get(key)
            if parts is not None and name in parts:
                self._parts.move_to_end(key)
                return parts[name]
        value = build()
        with self._parts_lock:
            self._parts.setdefault(key, {})[name] = value
            self._parts.move_to_end(key)
            while len(self._parts) > MAX_CACHED_SEGMENTS:
                self._parts.popitem(last=False)
        return value

    def _term_postings(self, key: tuple, leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        # The most recently used posting lists, up to a memory budget: common words recur.
        cache_key = (key, field, text)
        with self._parts_lock:
            found = self._postings.get(cache_key)
            if found is not None:
                self._postings.move_to_end(cache_key)
                return found
        found = _read_postings(leaf, field, text.encode("utf-8"))
        with self._parts_lock:
            self._postings[cache_key] = found
            self._postings_bytes += found[0].nbytes + found[1].nbytes
            while self._postings_bytes > MAX_CACHED_POSTINGS_BYTES and len(self._postings) > 1:
                _key, (ids, weights) = self._postings.popitem(last=False)
                self._postings_bytes -= ids.nbytes + weights.nbytes
        return found


def _searcher(ix, real: str):
    try:
        return ix.searcher()
    except Exception as error:  # a segment file missing or cut short
        raise IndexUnavailable(f"the search index at {real} cannot be read: {error!r}") from error


def _indexed_in_order(pool, tasks, window: int) -> list:
    """The segments of `tasks` indexed by the pool, in order.

    The tasks, and so the documents, are read here in the calling thread, at most `window`
    chunks ahead of the workers: pool.imap would read them in a thread of its own, where the
    caller's database session has no app context, and with no bound on what it reads ahead.
    """
    pending, segments = deque(), []
    for task in tasks:
        pending.append(pool.apply_async(_index_chunk, (task,)))
        if len(pending) >= window:
            segments.append(pending.popleft().get())
    segments += [result.get() for result in pending]
    return segments


def _index_chunk(task):
    """Write one segment of documents without the index lock, and (in a rebuild) their snippet
    records to a part of the store; returns the segment for the commit."""
    folder, facets, documents, snippet_part = task
    writer = SegmentWriter(whoosh_index.open_dir(folder), _lk=False, codec=_codec(), compound=False)
    # Terms made by core.search.analysis, as lists: Whoosh's analyzers, which ran four times
    # per document and were a third of a rebuild, are skipped.
    _write_segment(writer, (doc.document_fields(document, facets) for document in documents))
    if snippet_part:
        SqliteSnippetStore.write_part(folder, f"{os.getpid()}-{time.time_ns()}", documents)
    return writer._finalize_segment()


def _write_segment(writer, documents) -> None:
    """Add `documents` (their fields) to a fresh segment writer as its add_document would, and
    their postings straight to its field writer, term by term.

    add_document sends each of a document's ~250 postings through a pool that sizes and checks
    it, and sorts them all at the end; here each term's postings gather in lists as documents
    come, and only the terms are sorted. The segment is the same (tests/core/search/
    test_whoosh_engine.py), written in two thirds of the time or less.
    """
    schema, perdoc, docnum = writer.schema, writer.perdocwriter, writer.docnum
    # Per field and term: documents, weights and encoded values, in arrays where they are numbers
    # (a posting in a tuple of objects took ~180 bytes: 5,000 documents, ~300 MB).
    postings: dict[str, dict[bytes, tuple]] = {}
    for fields in documents:
        perdoc.start_doc(docnum)
        for name in sorted(fields):  # as add_document: the stored fields pickle in that order
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                terms = postings.setdefault(name, {})
                for btext, freq, weight, vbytes in _field_postings(field, value):
                    length += freq
                    entry = terms.get(btext)
                    if entry is None:
                        entry = terms[btext] = (array("I"), array("f"), [])
                    entry[0].append(docnum)
                    entry[1].append(weight)
                    entry[2].append(vbytes or b"")
            perdoc.add_field(name, field, value if field.stored else None, length if field.scorable else 0)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        docnum += 1
    writer.docnum = docnum
    fields_out = writer.fieldwriter
    for name in sorted(postings):
        fields_out.start_field(name, schema[name])
        for btext, (numbers, weights, values) in sorted(postings[name].items()):
            fields_out.start_term(btext)
            _fill_blocks(fields_out._postwriter, numbers, weights, values)
            fields_out.finish_term()
        fields_out.finish_field()


def _fill_blocks(postwriter, numbers: array, weights: array, values: list) -> None:
    """A term's postings handed to Whoosh's postings writer a block at a time, as its add_posting
    would gather them one by one (with no length statistics: _codec): it writes each full block,
    and finish_term the last. add_posting checked and appended each posting (~2 µs)."""
    limit = postwriter._blocklimit
    for start in range(0, len(numbers), limit):
        if start:
            postwriter._write_block()
        postwriter._ids = numbers[start : start + limit]
        postwriter._weights = weights[start : start + limit]
        postwriter._values = [value for value in values[start : start + limit] if value]
        postwriter._maxweight = max(postwriter._weights)


def _field_postings(field, value):
    """(term bytes, frequency, weight, encoded value) of a field's value, as field.index gives them."""
    kind = type(field.format)
    if not isinstance(value, list) or kind not in (Frequency, Positions):
        return field.index(value)
    # A list of terms: Whoosh takes them as tokens at positions 0, 1, 2… with a boost of 1.
    boost = field.format.field_boost
    places: dict[str, list[int]] = {}
    for position, text in enumerate(value):
        places.setdefault(text, []).append(position)
    if kind is Positions:
        return [(t.encode("utf-8"), len(p), len(p) * boost, field.format.encode(p)) for t, p in places.items()]
    return [(t.encode("utf-8"), len(p), len(p) * boost, _frequency(len(p))) for t, p in places.items()]


@functools.lru_cache(maxsize=256)
def _frequency(freq: int) -> bytes:
    # One bytes object per frequency, shared by the postings that have it.
    return pack_uint(freq)


_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
MAX_CACHED_SEGMENTS = 64
MAX_CACHED_POSTINGS_BYTES = 128 * 1024 * 1024


class _Snapshot:
    """One searcher's documents as arrays (a core.search.ranking.Source), and the search over
    them (a core.search.IndexSnapshot)."""

    def __init__(self, index: WhooshIndex, searcher, store: SqliteSnippetStore | None):
        self.index = index
        self.searcher = searcher
        self.store = store
        reader = searcher.reader()
        self.leaves = [(_segment_key(index, leaf), leaf, offset) for leaf, offset in reader.leaf_readers()
                       if leaf.doc_count_all()]  # fmt: skip
        self.size = reader.doc_count_all()
        self.count = searcher.doc_count()
        self.alive = np.ones(self.size, dtype=bool)
        for _key, leaf, offset in self.leaves:
            deleted = getattr(leaf, "deleted_docs_set", None)  # a set, unlike leaf.all_doc_ids()
            if deleted:
                self.alive[np.fromiter(deleted, dtype=np.int64) + offset] = False
        self._lengths: dict[str, tuple] = {}
        self._facets: dict[str, dict] = {}
        self._columns: dict[str, r.FacetColumn] = {}
        self._dates = None

    def search(self, request: Query) -> Results:
        """One page of hits in relevance or date order, facet counts over every hit, snippets."""
        parsed, dropped, words = parse_text(request.text)
        mask, scores = r.evaluate(parsed or r.Everything(), self)
        mask &= self.alive
        for name, values in request.filters.items():
            for value in values if name in self.index.facets else ():
                if value:
                    mask &= r.ids_mask(self.size, self.facet_values(name).get(str(value), _NO_IDS))
        page = max(1, request.page)
        found = np.flatnonzero(mask)
        if request.order.startswith("date") or parsed is None:
            order = r.top(mask, self.dates(), page * request.per_page, request.order == "date_asc", found)
        else:
            order = r.top(mask, scores, page * request.per_page, candidates=found)
        shown = [(self.searcher.stored_fields(int(docnum)), float(scores[docnum]))
                 for docnum in order[(page - 1) * request.per_page :]]  # fmt: skip
        snippets = snippets_for(self.store, {f["id"]: f.get("digest") for f, _ in shown}, words, request.snippet_lang)
        hits = [Hit(fields["id"], score, snippets.get(fields["id"])) for fields, score in shown]
        names = [name for name in request.facets if name in self.index.facets]
        facets = {name: self.facet_column(name).counts(mask, found) for name in names}
        return Results(hits, len(found), facets, "dropped" if dropped else None)

    def _gather(self, name: tuple, build, empty):
        parts = [(self.index._segment_part(key, name, lambda leaf=leaf: build(leaf)), offset)
                 for key, leaf, offset in self.leaves]  # fmt: skip
        return parts if parts else [(empty, 0)]

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids, weights = [], []
        for key, leaf, offset in self.leaves:
            part = self.index._term_postings(key, leaf, field, text)
            if len(part[0]):
                ids.append(part[0] + offset)
                weights.append(part[1])
        if len(ids) <= 1:
            return (ids[0], weights[0]) if ids else (_NO_IDS, _NO_WEIGHTS)
        return np.concatenate(ids), np.concatenate(weights)

    def lengths(self, field: str) -> tuple[np.ndarray, float]:
        if field not in self._lengths:
            build = lambda leaf: _field_lengths(leaf, field)  # noqa: E731
            parts = [part for part, _offset in self._gather(("lengths", field), build, _NO_WEIGHTS)]
            lengths = np.concatenate(parts) if len(parts) > 1 else parts[0]
            alive = lengths[self.alive] if len(lengths) == self.size else lengths
            self._lengths[field] = (lengths, float(alive.mean()) if len(alive) else 1.0)
        return self._lengths[field]

    def dates(self) -> np.ndarray:
        if self._dates is None:
            parts = [part for part, _offset in self._gather(("dates",), _dates, _NO_IDS)]
            self._dates = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return self._dates

    def facet_values(self, name: str) -> dict[str, np.ndarray]:
        """value → document numbers holding it."""
        if name not in self._facets:
            merged: dict[str, list] = {}
            build = lambda leaf: _facet_postings(leaf, doc.facet_field(name))  # noqa: E731
            for part, offset in self._gather(("facet", name), build, {}):
                for value, ids in part.items():
                    merged.setdefault(value, []).append(ids + offset)
            self._facets[name] = {v: np.concatenate(p) if len(p) > 1 else p[0] for v, p in merged.items()}
        return self._facets[name]

    def facet_column(self, name: str) -> r.FacetColumn:
        """The facet's values per document as numbers, for counting."""
        if name not in self._columns:
            field = doc.facet_field(name)
            build = lambda leaf: r.FacetColumn.from_postings(_facet_postings(leaf, field), leaf.doc_count_all())  # noqa: E731
            parts = [(self.index._segment_part(key, ("column", name), lambda leaf=leaf: build(leaf)), offset)
                     for key, leaf, offset in self.leaves]  # fmt: skip
            self._columns[name] = r.FacetColumn.joined(parts, self.size)
        return self._columns[name]

    def expand(self, field: str, prefix: str) -> list[str]:
        terms = self.searcher.reader().expand_prefix(field, prefix)
        return [t.decode("utf-8") if isinstance(t, bytes) else t for t in terms]

    def phrase(self, field: str, words: tuple) -> np.ndarray:
        return np.fromiter(self.searcher.docs_for_query(wq.Phrase(field, list(words))), dtype=np.int64)


def _segment_key(index: WhooshIndex, leaf) -> tuple:
    segment = leaf.segment() if isinstance(leaf, SegmentReader) else None
    return (str(index.path), segment.segment_id() if segment is not None else id(leaf))


def _read_postings(leaf, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and term frequencies of one term in one segment, deletions included."""
    try:
        matcher = leaf._terms.matcher(field, btext, leaf.schema[field].format)
    except (KeyError, TermNotFound):
        return _NO_IDS, _NO_WEIGHTS
    if not isinstance(matcher, W3LeafMatcher):  # a term of one or two documents stored inline
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
    # Block by block instead of posting by posting: one unpickle per 128 postings, and the
    # numbers gathered in plain lists for one conversion at the end.
    deltas, weights, starts, bases, last = [], [], [], [], 0
    while True:
        matcher._read_data()
        block_deltas, block_weights = matcher._data[0], matcher._data[1]
        starts.append(len(deltas))
        bases.append(last)
        deltas.extend(block_deltas)
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([block_weights or 1.0] * len(block_deltas))
        else:
            weights.extend(block_weights)
        last = matcher._maxid
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    ids = np.array(deltas, dtype=np.int64)
    ids[starts] -= bases  # a block's first number is absolute: make it follow the last block's
    return np.cumsum(ids), np.array(weights, dtype=np.float32)


def _field_lengths(leaf, field: str) -> np.ndarray:
    size = leaf.doc_count_all()
    lengths = np.zeros(size, dtype=np.float32)
    column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is not None:
        # One byte per document, as whoosh writes them; the documents after the last
        # non-empty one are not written and stay 0.
        codes = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
        lengths[: len(codes)] = _BYTE_LENGTHS[codes]
    return lengths


def _dates(leaf) -> np.ndarray:
    if not leaf.has_column("date"):
        return np.zeros(leaf.doc_count_all(), dtype=np.int64)
    return np.fromiter(leaf.column_reader("date"), dtype=np.int64, count=leaf.doc_count_all())


def _facet_postings(leaf, field: str) -> dict[str, np.ndarray]:
    if field not in leaf.schema:
        return {}
    return {btext.decode("utf-8"): _read_postings(leaf, field, btext)[0] for btext in leaf.lexicon(field)}


class _Writer:
    """The few writing operations the app needs (a core.search.IndexWriter).

    A save's few documents go into Whoosh's own new segment, which merges fill too. More (a bulk
    backlog) become segments of their own, written as a rebuild writes them (_write_segment):
    every REBUILD_CHUNK as they come, then the rest, by a pool of `procs` processes when each
    gets at least PART_MIN, while the caller reads on; Whoosh's own writer would size, sort and
    here spill to disk every posting. The entries an id had before are deleted once, at the end,
    and looked up only in the segments whose ids span it: a new id costs none (_delete_committed).
    Each change goes to the index's snippet store as it comes.
    """

    def __init__(self, writer, index: WhooshIndex, snippets, procs: int = 1):
        self._writer = writer
        self._index = index
        self._snippets = snippets
        self._procs = max(1, procs)
        self.changed = False
        self._waiting: dict[str, doc.Document] = {}  # upserted, not yet written
        self._superseded: set[str] = set()  # ids whose committed entries go
        self._placed: dict[str, tuple[int, int]] = {}  # id → (part, position) written in this block
        self._cancelled: list[tuple[int, int]] = []  # written in this block, then replaced or deleted
        self._parts: list = []  # per part written: its segment, or the pool's pending result
        self._pool = None

    def upsert(self, document: doc.Document) -> None:
        """Add the document, replacing the one with the same id."""
        self._drop(document["id"])
        self._waiting[document["id"]] = document
        self._snippets.put(document["id"], document.get("digest"), snippet_record(document))
        if len(self._waiting) >= REBUILD_CHUNK:
            self._write(list(self._waiting.values()), parallel=self._procs > 1)
            self._waiting = {}

    def delete(self, doc_id: str) -> None:
        """Remove the document with this id, if there is one."""
        self._drop(doc_id)
        self._snippets.delete(doc_id)

    def _drop(self, doc_id: str) -> None:
        self.changed = True
        self._superseded.add(doc_id)
        self._waiting.pop(doc_id, None)
        placed = self._placed.pop(doc_id, None)
        if placed is not None:
            self._cancelled.append(placed)

    def _write(self, documents: list, parallel: bool) -> None:
        number = len(self._parts)
        self._placed.update((document["id"], (number, position)) for position, document in enumerate(documents))
        # Their snippet records went to the writer's store as they came (upsert).
        task = (self._writer.storage.folder, self._index.facets, documents, False)
        if not parallel:
            self._parts.append(_index_chunk(task))
            return
        if self._pool is None:
            self._pool = multiprocessing.get_context("fork").Pool(self._procs, initializer=gc.freeze)
        self._parts.append(self._pool.apply_async(_index_chunk, (task,)))
        # At most two parts per process waiting: memory stays bounded while the caller reads on.
        pending = [n for n, part in enumerate(self._parts) if isinstance(part, AsyncResult)]
        if len(pending) > 2 * self._procs:
            self._parts[pending[0]] = self._parts[pending[0]].get()

    def finish(self) -> list:
        """Write what waits; returns the segments written, which the commit lists beside the others."""
        rest, self._waiting = list(self._waiting.values()), {}
        if rest and (len(rest) >= FEW or self._parts):
            shares = max(1, min(self._procs, len(rest) // PART_MIN))
            size = -(-len(rest) // shares)
            for start in range(0, len(rest), size):
                self._write(rest[start : start + size], parallel=shares > 1 or self._pool is not None)
            rest = []
        segments = [part.get() if isinstance(part, AsyncResult) else part for part in self._parts]
        self.abandon()
        for number, position in self._cancelled:
            segments[number].delete_document(position)
        _delete_committed(self._index, self._writer, self._superseded)
        for document in rest:
            self._writer.add_document(**doc.document_fields(document, self._index.facets))
        return segments

    def abandon(self) -> None:
        """Stop the pool, if any (the segments it wrote are left out of the commit, then cleaned)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _id_key(text: bytes) -> tuple[int, bytes]:
    # Shorter first: numeric ids, the app's, sort as numbers, so a segment of consecutive
    # ids spans a narrow range whatever their number of digits.
    return len(text), text


def _delete_committed(index: WhooshIndex, writer, doc_ids: set[str]) -> None:
    """Mark deleted, in the writer's segments, the documents with these ids.

    Whoosh's delete_by_term looks an id up in every segment (~10 µs each: 2 ms an id in an
    index of 200 segments). Each segment's lowest and highest id are read once and kept, and
    an id is looked up only in the segments it falls between: new ids, above every indexed
    one, in none."""
    if not doc_ids:
        return
    ordered = sorted((_id_key(i.encode("utf-8")), i) for i in doc_ids)
    keys = [key for key, _doc_id in ordered]
    ranges = index._id_ranges
    live = set()
    for segment in writer.segments:
        segment_id = segment.segment_id()
        live.add(segment_id)
        if segment_id not in ranges:
            ranges[segment_id] = _segment_id_range(writer, segment)
        low, high = ranges[segment_id]
        if low is None:
            continue
        start, end = bisect.bisect_left(keys, low), bisect.bisect_right(keys, high)
        if start < end:
            _delete_in_segment(writer, segment, [doc_id for _key, doc_id in ordered[start:end]])
    for gone in set(ranges) - live:
        del ranges[gone]


def _segment_id_range(writer, segment) -> tuple:
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        found = [_id_key(text) for text in reader.lexicon("id")]
    finally:
        reader.close()
    return (min(found), max(found)) if found else (None, None)


def _delete_in_segment(writer, segment, doc_ids: list[str]) -> None:
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        for doc_id in doc_ids:
            if ("id", doc_id) in reader:
                for docnum in reader.postings("id", doc_id).all_ids():
                    segment.delete_document(docnum)
    finally:
        reader.close()


_indexes: dict[tuple, WhooshIndex] = {}
_indexes_lock = threading.Lock()


def get_index(path: str, facets: tuple[str, ...]) -> WhooshIndex:
    """The one WhooshIndex object of this process for that folder (it keeps the searcher)."""
    # abspath, not resolve(): `path` is a symlink that a rebuild re-points.
    key = (os.path.abspath(path), tuple(facets), os.getpid())
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = WhooshIndex(path, facets)
        return _indexes[key]
