"""The tantivy engine: the only module that imports tantivy (PyPI `tantivy`, the Python binding
of the Rust search library).

Documents go in with the terms core.search.analysis makes, so both engines index the same
terms: each searched field is one line per term, cut by a tokenizer that splits on line ends
only, and tantivy counts the terms and their positions as Whoosh does. A query is the tree
core.search.query makes, translated node by node into tantivy's queries; tantivy evaluates it,
scores with its own BM25 (the same formula and constants as core.search.ranking: K1 = 1.2,
B = 0.75, idf = ln(1 + (N − n + 0.5) / (n + 0.5))), and counts facets over every hit in its
columnar store. Snippets come from core.search.snippets' store, one SQLite file in each
generation folder beside tantivy's files. Tantivy does not hand out posting lists, so core.search.ranking's numpy
evaluation does not run here: hits are the same, scores differ only in how a field's length
is rounded to a byte (bench/search.py reports how far the top tens overlap).
"""

import os
import shutil
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path

import tantivy

from core.search import ranking as r
from core.search import schema as doc
from core.search.bulk import analysis_pool, chunks
from core.search.errors import IndexUnavailable
from core.search.generations import GenerationalIndex
from core.search.query import Hit, Query, Results, parse_text
from core.search.snippets import SqliteSnippetStore, snippet_record, snippets_for

_TERMS = "vitrine_terms"  # our tokenizer: a field's value is its terms, one per line
_MAX_FACET_VALUES = 65_000  # distinct values counted per facet; more than any vocabulary
_INDEX_OPTIONS = {doc.FOLDED: "position"}  # phrases are checked there; elsewhere counts suffice
WRITER_HEAP = 64_000_000  # bytes a writer buffers before it writes a segment
REBUILD_HEAP = 256_000_000  # per indexing thread of a rebuild
BULK_CHUNK = 500  # documents a process analyses at a time in a writer with a pool


def build_schema(facets: tuple[str, ...]):
    """The tantivy layout of core.search.schema's fields and facets (texts are kept by the snippet store)."""
    builder = tantivy.SchemaBuilder()
    for field in doc.FIELDS:
        if field.analysis == doc.KEY:
            builder.add_text_field(field.name, stored=True, tokenizer_name="raw", index_option="basic")
        elif field.analysis == doc.STORED:
            builder.add_bytes_field(field.name, stored=True, indexed=False)
        elif field.analysis == doc.NUMBER:
            builder.add_integer_field(field.name, fast=True)
        else:
            builder.add_text_field(field.name, tokenizer_name=_TERMS,
                                   index_option=_INDEX_OPTIONS.get(field.name, "freq"))  # fmt: skip
    for name in facets:
        # One term per value, also kept as a column: filters look the term up, counts read the column.
        builder.add_text_field(doc.facet_field(name), fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def _terms_analyzer():
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"[^\n]+")).build()


def _analysed(document: doc.Document, facets: tuple[str, ...]) -> tuple:
    """A document's field values as plain data (picklable: analysed in worker processes)."""
    fields = doc.document_fields(document, facets)
    # Words are runs of \w and a pair holds one space: neither holds a line end.
    searched = tuple("\n".join(fields[field.name]) for field in doc.SEARCHED)
    # As Whoosh reads the codes: split at spaces, each value once.
    values = tuple(tuple(dict.fromkeys(fields[doc.facet_field(name)].split())) for name in facets)
    return fields["id"], (fields.get("digest") or "").encode("utf-8"), fields["date"], searched, values


def _document(analysed: tuple, facets: tuple[str, ...]):
    doc_id, digest, date, searched, values = analysed
    built = tantivy.Document()
    built.add_text("id", doc_id)
    built.add_bytes("digest", digest)
    built.add_integer("date", date)
    for field, text in zip(doc.SEARCHED, searched, strict=True):
        built.add_text(field.name, text)
    for name, codes in zip(facets, values, strict=True):
        for code in codes:
            built.add_text(doc.facet_field(name), code)
    return built


def _analysed_chunk(task) -> list[tuple]:
    """The chunk's documents analysed; in a rebuild, their snippet records written to a part of the store."""
    documents, facets, folder = task
    if folder is not None:
        SqliteSnippetStore.write_part(folder, f"{os.getpid()}-{time.time_ns()}", documents)
    return [_analysed(document, facets) for document in documents]


def _analysed_in_order(documents, facets, pool, window: int, on_document, folder=None, chunk: int = 500):
    """Every document analysed, in order, by the pool's processes when there is one.

    The documents are read here in the calling thread (a database session may only work in
    its own), at most a few chunks ahead of the workers.
    """
    tasks = ((batch, facets, folder) for batch in chunks(documents, chunk, on_document))
    if pool is None:
        for task in tasks:
            yield from _analysed_chunk(task)
        return
    pending = deque()
    for task in tasks:
        pending.append(pool.apply_async(_analysed_chunk, (task,)))
        if len(pending) >= window:
            yield from pending.popleft().get()
    while pending:
        yield from pending.popleft().get()


class TantivyIndex(GenerationalIndex):
    """One index folder (a core.search.SearchEngine); `path` is a symlink to the live
    generation, so a rebuild swaps it at once, as with Whoosh."""

    def __init__(self, path: str, facets: tuple[str, ...]):
        self.path = Path(path)
        self.facets = tuple(facets)
        self.schema = build_schema(self.facets)
        self._lock = threading.Lock()
        self._opened = None  # (real path, meta.json's stat, index, snapshot, snippet store or None)

    # Opening -------------------------------------------------------------------------------

    def _create_empty(self, folder: Path) -> None:
        self._index_in(folder, create=True)
        SqliteSnippetStore.create(folder)

    def _index_in(self, folder, create: bool = False):
        index = tantivy.Index(self.schema, path=str(folder)) if create else tantivy.Index.open(str(folder))
        index.register_tokenizer(_TERMS, _terms_analyzer())
        return index

    def _open(self) -> tuple[str, object]:
        """(the live generation, the tantivy index in it), or IndexUnavailable."""
        self.ensure()
        real = os.path.realpath(self.path)
        if self.path.is_symlink() and not self._own(Path(real)):
            raise IndexUnavailable(f"the search index {self.path} links to {real}, outside its folder")
        try:
            return real, self._index_in(real)
        except Exception as error:  # empty, half-built, truncated: whatever tantivy finds, the index is unusable
            raise IndexUnavailable(f"the search index at {real} cannot be opened: {error!r}") from error

    def _snapshot(self):
        # Called with self._lock held. A commit, here or in another process, writes a new
        # meta.json; a rebuild re-points the symlink: either way a new searcher is opened.
        self.ensure()
        real = os.path.realpath(self.path)
        mark = _meta_mark(real)
        opened = self._opened
        if opened and opened[0] == real and mark and opened[1] == mark:
            return opened[3]
        if opened and opened[0] == real and mark:
            index, store = opened[2], opened[4]  # the same generation, committed to since
        else:
            real, index = self._open()
            # Kept by the snapshots that use it: a reader keeps its generation's store after a
            # rebuild removes the folder (the file stays open).
            store = SqliteSnippetStore.open(Path(real))
        try:
            index.reload()
            snapshot = _Snapshot(self, index.searcher(), store)
        except Exception as error:  # a segment file missing or cut short
            raise IndexUnavailable(f"the search index at {real} cannot be read: {error!r}") from error
        self._opened = (real, mark, index, snapshot, store)
        return snapshot

    @contextmanager
    def reading(self):
        """The up-to-date snapshot of the index, unchanged while the block runs."""
        with self._lock:
            snapshot = self._snapshot()
        yield snapshot

    def close(self) -> None:
        """Drop the open index and searcher (the object stays usable: the next read reopens)."""
        with self._lock:
            self._opened = None

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def try_writer(self, procs: int = 1):
        """Yield a writer, or None at once when another writer holds the index lock.

        With `procs` above one (a backlog, say), the block's documents are analysed and their
        snippet records made in that many processes, BULK_CHUNK at a time, and indexed by that
        many tantivy threads. The snippet store commits just before the index: a crash between the
        two leaves records whose digest differs from the index's, which give no snippet until the
        task is applied again."""
        # The pool is forked before the writer's threads exist.
        with analysis_pool(procs) as pool, self._writing(pool, max(1, procs)) as wrapped:
            yield wrapped

    @contextmanager
    def _writing(self, pool, threads: int):
        real, index = self._open()
        try:
            writer = index.writer(heap_size=WRITER_HEAP * threads, num_threads=threads)
        except ValueError as error:  # one writer per index, across processes
            if "LockBusy" not in str(error):
                raise
            yield None
            return
        try:
            with SqliteSnippetStore.writer_in(Path(real)) as snippets:
                wrapped = _Writer(writer, self, snippets, pool, threads)
                yield wrapped
                wrapped.flush()
        except BaseException:
            writer.rollback()
            raise
        else:
            if wrapped.changed:
                writer.commit()
            else:
                writer.rollback()
        finally:
            _release(writer)

    def rebuild(self, documents, procs: int = 1, on_document=None, keep_old: bool = False) -> Path | None:
        """Index `documents` into a fresh folder and swap it in; drop the old one unless kept.

        Our terms are made in `procs` processes (Python's share of the work) and indexed by
        `procs` tantivy threads.
        """
        folder = self._new_generation()
        threads = max(1, procs)
        try:
            SqliteSnippetStore.create(folder)
            with analysis_pool(procs) as pool:
                writer = self._index_in(folder, create=True).writer(REBUILD_HEAP * threads, threads)
                analysed_ones = _analysed_in_order(documents, self.facets, pool, 2 * threads, on_document, str(folder))
                for analysed in analysed_ones:
                    writer.add_document(_document(analysed, self.facets))
                writer.commit()
                _release(writer)
            SqliteSnippetStore.join_parts(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        old = self._swap_to(folder)
        if keep_old:
            return old
        self.discard(old)
        return None

    # Reading -------------------------------------------------------------------------------

    def digests(self) -> dict[str, str | None]:
        """Every indexed id with the digest it was indexed with."""
        with self.reading() as snapshot:
            return snapshot.digests()

    def count(self) -> int:
        """The number of documents."""
        with self.reading() as snapshot:
            return snapshot.count

    def search(self, request: Query) -> Results:
        """One page of hits in relevance or date order, facet counts over every hit, snippets."""
        with self.reading() as snapshot:
            return snapshot.search(request)

    def version(self) -> str:
        """The live generation and its meta.json's mark: a commit replaces the file, a rebuild the link."""
        real = os.path.realpath(self.path)
        return f"{real}:{_meta_mark(real)}"


def _meta_mark(folder: str) -> tuple | None:
    """What changes whenever tantivy commits to `folder` (it replaces meta.json), or None."""
    try:
        stat = os.stat(os.path.join(folder, "meta.json"))
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _release(writer) -> None:
    # Waiting for the merges also frees the index lock; a writer merely dropped would
    # abandon the merges it started.
    writer.wait_merging_threads()


class _Writer:
    """The few writing operations the app needs (a core.search.IndexWriter), applied to the
    index and to its snippet store alike, in the order they are asked for. With a pool,
    upserted documents wait until a chunk per process has come, then are analysed side by side."""

    def __init__(self, writer, index: TantivyIndex, snippets, pool=None, procs: int = 1):
        self._writer = writer
        self._index = index
        self._snippets = snippets
        self._pool = pool
        self._procs = procs
        self._waiting: list[doc.Document] = []
        self._analysing: deque = deque()  # (documents, their pending analysis), oldest first
        self.changed = False

    def upsert(self, document: doc.Document) -> None:
        """Add the document, replacing the one with the same id."""
        self.changed = True
        if self._pool is None:
            self._add(document, _analysed(document, self._index.facets), snippet_record(document))
            return
        self._waiting.append(document)
        if len(self._waiting) >= BULK_CHUNK:
            self._send()
            # A few chunks in flight per process: the caller reads the next documents and this
            # process indexes finished ones while the others analyse, as a rebuild does.
            while len(self._analysing) > 2 * self._procs:
                self._index_oldest()

    def delete(self, doc_id: str) -> None:
        """Remove the document with this id, if there is one."""
        self.changed = True
        self.flush()  # an upsert of it still waiting comes first
        self._writer.delete_documents_by_term("id", doc_id)
        self._snippets.delete(doc_id)

    def flush(self) -> None:
        """Index every document sent to the pool or waiting for it, in the order they came."""
        self._send()
        while self._analysing:
            self._index_oldest()

    def _send(self) -> None:
        waiting, self._waiting = self._waiting, []
        if waiting:
            self._analysing.append(
                (waiting, self._pool.apply_async(_analysed_with_records, ((waiting, self._index.facets),)))
            )

    def _index_oldest(self) -> None:
        documents, analysis = self._analysing.popleft()
        for document, (analysed, record) in zip(documents, analysis.get(), strict=True):
            self._add(document, analysed, record)

    def _add(self, document: doc.Document, analysed: tuple, record) -> None:
        self._writer.delete_documents_by_term("id", document["id"])
        self._writer.add_document(_document(analysed, self._index.facets))
        self._snippets.put(document["id"], document.get("digest"), record)


def _analysed_with_records(task) -> list[tuple]:
    """Each document of a chunk analysed, with its snippet record (in a worker process)."""
    documents, facets = task
    return [(_analysed(document, facets), snippet_record(document)) for document in documents]


class _Snapshot:
    """One tantivy searcher (a point-in-time view) and the search over it (a
    core.search.IndexSnapshot)."""

    def __init__(self, index: TantivyIndex, searcher, store: SqliteSnippetStore | None):
        self.index = index
        self.store = store
        self.schema = index.schema
        self.searcher = searcher
        self.count = searcher.num_docs

    def search(self, request: Query) -> Results:
        """One page of hits in relevance or date order, facet counts over every hit, snippets."""
        parsed, dropped, words = parse_text(request.text)
        clauses = [(tantivy.Occur.Must, self._query(parsed or r.Everything()))]
        for name, values in request.filters.items():
            for value in values if name in self.index.facets else ():
                if value:
                    term = tantivy.Query.term_query(self.schema, doc.facet_field(name), str(value))
                    clauses.append((tantivy.Occur.Must, term))
        query = clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
        page = max(1, request.page)
        offset = (page - 1) * request.per_page
        if request.order.startswith("date") or parsed is None:
            order = tantivy.Order.Asc if request.order == "date_asc" else tantivy.Order.Desc
            found = self.searcher.search(query, request.per_page, count=True, order_by_field="date", offset=offset,
                                         order=order)  # fmt: skip
            scored = [(0.0, address) for _date, address in found.hits]
        else:
            found = self.searcher.search(query, request.per_page, count=True, offset=offset)
            scored = found.hits
        shown = []
        for score, address in scored:
            stored = self.searcher.doc(address)
            digest = bytes(stored.get_first("digest") or b"").decode("utf-8") or None
            shown.append((stored.get_first("id"), digest, float(score)))
        digests = {doc_id: digest for doc_id, digest, _score in shown}
        snippets = snippets_for(self.store, digests, words, request.snippet_lang)
        hits = [Hit(doc_id, score, snippets.get(doc_id)) for doc_id, _digest, score in shown]
        names = [name for name in request.facets if name in self.index.facets]
        return Results(hits, found.count, self._facet_counts(query, names), "dropped" if dropped else None)

    def _facet_counts(self, query, names: list[str]) -> dict[str, dict[str, int]]:
        if not names:
            return {}
        spec = {name: {"terms": {"field": doc.facet_field(name), "size": _MAX_FACET_VALUES,
                                 "segment_size": _MAX_FACET_VALUES}} for name in names}  # fmt: skip
        counted = self.searcher.aggregate(query, spec)
        return {name: {b["key"]: int(b["doc_count"]) for b in counted[name]["buckets"]} for name in names}

    def _query(self, node):
        """The tantivy query of a core.search.ranking node: the same matches, the same sums."""
        Q, Occur = tantivy.Query, tantivy.Occur  # noqa: N806
        if isinstance(node, r.Term):
            query = Q.term_query(self.schema, node.field, node.text)
            return query if node.boost == 1.0 else Q.boost_query(query, node.boost)
        if isinstance(node, r.AllOf | r.AnyOf):
            occur = Occur.Must if isinstance(node, r.AllOf) else Occur.Should
            return Q.boolean_query([(occur, self._query(part)) for part in node.parts])
        if isinstance(node, r.Without):
            return Q.boolean_query([(Occur.Must, self._query(node.include)),
                                    (Occur.MustNot, self._query(node.exclude))])  # fmt: skip
        if isinstance(node, r.Boosted):
            return Q.boolean_query([(Occur.Must, self._query(node.required)),
                                    (Occur.Should, self._query(node.optional))])  # fmt: skip
        if isinstance(node, r.Phrase):  # a check: it adds no score (ranking.evaluate)
            return Q.const_score_query(Q.phrase_query(self.schema, node.field, list(node.words)), 0.0)
        if isinstance(node, r.Prefix):
            expanded = self.expand(node.field, node.prefix)[: r.MAX_EXPANSION]
            if not expanded:
                return Q.empty_query()
            return Q.const_score_query(Q.term_set_query(self.schema, node.field, expanded), node.boost)
        if isinstance(node, r.Everything):
            return Q.all_query()
        raise TypeError(f"not a query node: {node!r}")

    def expand(self, field: str, prefix: str) -> list[str]:
        """The terms of `field` that start with `prefix`, in order."""
        return [term for term, _count in self.searcher.terms_with_prefix(field, prefix, limit=r.MAX_EXPANSION)]

    def digests(self) -> dict[str, str | None]:
        found = self.searcher.search(tantivy.Query.all_query(), max(1, self.count), count=False)
        digests = {}
        for _score, address in found.hits:
            stored = self.searcher.doc(address)
            digests[stored.get_first("id")] = bytes(stored.get_first("digest") or b"").decode("utf-8") or None
        return digests


_indexes: dict[tuple, TantivyIndex] = {}
_indexes_lock = threading.Lock()


def get_index(path: str, facets: tuple[str, ...]) -> TantivyIndex:
    """The one TantivyIndex object of this process for that folder (it keeps the searcher)."""
    key = (os.path.abspath(path), tuple(facets), os.getpid())
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = TantivyIndex(path, facets)
        return _indexes[key]
