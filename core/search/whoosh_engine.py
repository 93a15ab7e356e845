"""The Whoosh engine: the only module that imports whoosh (the maintained fork, whoosh-reloaded).

Documents go in as the schema gives their fields (core.search.schema); queries are evaluated
with numpy over posting lists read out of the segments (core.search.ranking), which takes a
few of Whoosh's private names: they are listed in WHOOSH_PRIVATE_NAMES, and each is held to
Whoosh's public answer by a test (tests/core/search/test_whoosh_private.py) that fails on an
upgrade that changes it.
"""

import multiprocessing
import os
import shutil
import threading
import time
from collections import OrderedDict, deque
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import BiWordFilter, Filter, LowercaseFilter, RegexTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, _lenfield
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.index import LockError
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from core.search import ranking as r
from core.search import schema as doc
from core.search.analysis import PREFIX_MAX, fold_word, normalise
from core.search.errors import IndexUnavailable
from core.search.query import Hit, Query, Results, parse_text

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
})  # fmt: skip
# Public but undocumented names this module relies on, each with a test as well.
WHOOSH_UNDOCUMENTED_NAMES = frozenset({"deleted_docs_set", "length_stats"})

# A segment of 5,000 documents sorts its ~900,000 postings in memory; bigger pools spill
# to disk and grow worse than linearly.
REBUILD_CHUNK = 5000
POSTING_BLOCK = 4096
MERGE_FACTOR = 8
MAX_DELETED_SHARE = 0.3


# --- Analyzers -----------------------------------------------------------------------------
# They give the terms of core.search.analysis (a test holds them equal). Documents arrive
# with their terms already made (schema.document_fields), so Whoosh skips them: they mark
# words in snippets, and keep the index describing itself. Their class path is part of the
# index format: Whoosh pickles the schema into every index, where it has been
# `core.search.<class>` since before this package; `__module__` keeps it, so indexes written
# before open without a rebuild (core/search/__init__.py makes the path resolve).


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
    """The Whoosh layout of core.search.schema's fields, facets and stored texts."""
    schema = Schema(**{field.name: _whoosh_field(field) for field in doc.FIELDS})
    for name in facets:
        # Space-separated codes: the postings of each value give the facet sets.
        schema.add(doc.facet_field(name), _whoosh_field(doc.Field(doc.facet_field(name), doc.CODES)))
    schema.add(doc.text_field("*"), STORED(), glob=True)
    return schema


# --- The index -----------------------------------------------------------------------------


def _merge_policy(writer, segments):
    """Merge segments of one size class once MERGE_FACTOR of them gather, and any segment
    that is mostly deleted documents; leave alone the segments a rebuild writes.

    Whoosh's own policy merges every segment into one as soon as about twenty exist, which
    after a rebuild of 100,000 records made one save rewrite the whole index (80 s).
    """
    classes: dict[int, list] = {}
    merging = []
    for segment in segments:
        size = segment.doc_count_all()
        if segment.deleted_count() > size * MAX_DELETED_SHARE:
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
    return [s for s in segments if s not in merging]


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


class WhooshIndex:
    """One index folder (a core.search.SearchEngine); `path` is a symlink to the live
    generation, so a rebuild swaps it at once."""

    def __init__(self, path: str, facets: tuple[str, ...]):
        self.path = Path(path)
        self.facets = tuple(facets)
        self.schema = build_schema(self.facets)
        self._lock = threading.Lock()
        self._opened: tuple[str, object, object] | None = None  # (real path, index, searcher)
        self._current: _Snapshot | None = None
        self._retired: list = []  # replaced searchers, closed when no reader uses them
        self._users: dict[int, int] = {}  # id(searcher) → readers using it now
        self._parts: OrderedDict = OrderedDict()  # segment key → {part name: array}
        self._parts_lock = threading.Lock()
        self._postings: OrderedDict = OrderedDict()  # (segment key, field, text) → (ids, weights)
        self._postings_bytes = 0

    # Opening -------------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create an empty index if there is none yet."""
        if self.path.is_dir() and not self.path.is_symlink():
            # A plain folder: a copy of the data folder that followed the link. It becomes a
            # generation, so a rebuild can swap it out like any other.
            adopted = self.path.parent / f"{self.path.name}-adopted-{time.time_ns()}-{os.getpid()}"
            try:
                os.rename(self.path, adopted)
            except FileNotFoundError:  # another process adopted it first
                return
            self._swap_to(adopted)
            return
        if self.path.exists():
            return
        folder = self._new_generation()
        whoosh_index.create_in(folder, self.schema)
        self._swap_to(folder)

    def _new_generation(self) -> Path:
        folder = self.path.parent / f"{self.path.name}-{time.time_ns()}-{os.getpid()}"
        folder.mkdir(parents=True)
        return folder

    def _own(self, folder: Path) -> bool:
        # A generation of this index is a sibling of its link. A copied data folder may carry a
        # link elsewhere (an absolute one into the live folder): never read, write or delete there.
        return folder.parent == Path(os.path.realpath(self.path.parent)) and folder.name.startswith(
            f"{self.path.name}-"
        )

    def _swap_to(self, folder: Path) -> Path | None:
        """Point `path` at `folder` with one atomic rename; returns the folder it replaced, if it is ours."""
        old = Path(os.path.realpath(self.path)) if self.path.is_symlink() else None
        link = self.path.parent / f".{self.path.name}.{os.getpid()}.link"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(folder.name)
        os.replace(link, self.path)
        return old if old and self._own(old) else None

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
        # once no reader still uses it.
        real = os.path.realpath(self.path)
        if self._opened is None or self._opened[0] != real:
            self.ensure()
            real = os.path.realpath(self.path)
            ix = self._open(real)
            self._retire()
            self._opened = (real, ix, _searcher(ix, real))
        real, ix, searcher = self._opened
        if not searcher.up_to_date():
            # Not searcher.refresh(): it reuses segment readers by segment id and so keeps
            # their old deletions, showing an updated document twice.
            self._retire()
            searcher = _searcher(ix, real)
            self._opened = (real, ix, searcher)
        return searcher

    def _retire(self) -> None:
        if self._opened is not None:
            self._retired.append(self._opened[2])
            self._opened = None
            self._current = None

    def _reap(self) -> None:
        for searcher in [s for s in self._retired if not self._users.get(id(s))]:
            self._retired.remove(searcher)
            searcher.close()

    @contextmanager
    def reading(self):
        """The up-to-date snapshot of the index, kept open (and unchanged) while the block runs."""
        with self._lock:
            searcher = self._current_searcher()
            if self._current is None or self._current.searcher is not searcher:
                self._current = _Snapshot(self, searcher)
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
    def try_writer(self):
        """Yield a writer, or None at once when another process holds the index lock."""
        try:
            writer = self._open().writer(codec=_codec(), compound=False)
        except LockError:
            yield None
            return
        wrapped = _Writer(writer, self)
        try:
            yield wrapped
        except BaseException:
            writer.cancel()
            raise
        if wrapped.changed:
            writer.commit(mergetype=_merge_policy)
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
        # The parent holds the index lock; segments are written unlocked by the workers and
        # listed in the table of contents in one commit, as Whoosh's own MpWriter does.
        writer = ix.writer(codec=_codec(), compound=False)
        try:
            # Documents are analysed in the workers: the parent only reads and hands them on.
            tasks = ((str(folder), self.facets, c) for c in _chunks(documents, chunk, on_document))
            if procs > 1:
                context = multiprocessing.get_context("fork")
                with context.Pool(procs) as pool:
                    segments = _indexed_in_order(pool, tasks, window=2 * procs)
            else:
                segments = [_index_chunk(task) for task in tasks]
        except BaseException:
            writer.cancel()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        writer._close_segment()
        writer._commit_toc([s for s in segments if s is not None])
        writer._finish()
        old = self._swap_to(folder)
        if keep_old:
            return old
        self.discard(old)
        return None

    def discard(self, folder: Path | None) -> None:
        """Remove a replaced index folder (readers that still have it open keep working)."""
        if folder and self._own(Path(folder)) and folder != Path(os.path.realpath(self.path)):
            shutil.rmtree(folder, ignore_errors=True)

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


def _chunks(fields, size: int, on_document):
    chunk = []
    for document in fields:
        chunk.append(document)
        if on_document:
            on_document()
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
    """Write one segment of documents without the index lock; returns it for the commit."""
    folder, facets, documents = task
    writer = SegmentWriter(whoosh_index.open_dir(folder), _lk=False, codec=_codec(), limitmb=1024, compound=False)
    for document in documents:
        # Terms made by core.search.analysis, as lists: Whoosh then skips its analyzers,
        # which ran four times per document and were a third of a rebuild.
        writer.add_document(**doc.document_fields(document, facets))
    return writer._finalize_segment()


_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
MAX_CACHED_SEGMENTS = 64
MAX_CACHED_POSTINGS_BYTES = 128 * 1024 * 1024


class _Snapshot:
    """One searcher's documents as arrays (a core.search.ranking.Source), and the search over
    them (a core.search.IndexSnapshot)."""

    def __init__(self, index: WhooshIndex, searcher):
        self.index = index
        self.searcher = searcher
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
        hits = []
        for docnum in order[(page - 1) * request.per_page :]:
            fields = self.searcher.stored_fields(int(docnum))
            hits.append(Hit(fields["id"], float(scores[docnum]), _snippet(fields, words, request.snippet_lang)))
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
    """The few writing operations the app needs (a core.search.IndexWriter)."""

    def __init__(self, writer, index: WhooshIndex):
        self._writer = writer
        self._index = index
        self.changed = False

    def upsert(self, document: doc.Document) -> None:
        """Add the document, replacing the one with the same id."""
        self.changed = True
        self._writer.update_document(**doc.document_fields(document, self._index.facets))

    def delete(self, doc_id: str) -> None:
        """Remove the document with this id, if there is one."""
        self.changed = True
        self._writer.delete_by_term("id", doc_id)


def _snippet(fields: dict, words: frozenset, lang: str | None) -> str | None:
    """Escaped HTML around the matched words, from the reader's language first, then Vietnamese."""
    if not words:
        return None
    keys = [doc.text_field(lang), doc.text_field(lang.split("-")[0])] if lang else []
    keys += [doc.text_field("vi"), *sorted(k for k in fields if k.startswith(doc.TEXT_PREFIX))]
    for key in dict.fromkeys(keys):
        if fields.get(key):
            snippet = highlight(fields[key], words, _SNIPPET_ANALYZER, _FRAGMENTER, _FORMATTER, top=2)
            if snippet:
                return snippet
    return None


_SNIPPET_ANALYZER = _folded_analyzer()
_FRAGMENTER = ContextFragmenter(maxchars=160, surround=60)
_FORMATTER = HtmlFormatter(tagname="mark", classname="hl", between=" … ")

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
