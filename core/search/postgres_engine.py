"""The PostgreSQL engine: PostgreSQL's own full-text search, in the app's database, so any number
of web machines on that database search one index and see each other's changes at once.

Chosen by SEARCH_ENGINE=postgresql, only when the app's database is PostgreSQL. Its tables live
in the schema `vitrine_search`, one set per generation (`g<N>_docs`, `g<N>_terms`, …), and
`vitrine_search.live` names the generation searched: a rebuild writes a new generation in one
transaction and points `live` at it in that same transaction, so readers never wait for it and
a crash leaves nothing half-built; the old generation is dropped once no reader holds it (a
reader locks its generation's tables, and a drop waits for no one: it is retried later). Every
search is one REPEATABLE READ transaction; the one writer at a time holds an advisory lock, and
writes the index rows, the document frequencies and the snippet records in one transaction.

What is stored and how a query tree becomes SQL and scores: core/search/postgres_query.py. The
snippet store: core/search/postgres_snippets.py.
"""

import logging
import os
import threading
from collections import deque
from contextlib import contextmanager

import numpy as np
import psycopg
from psycopg import errors
from sqlalchemy.engine import make_url

from core.search import postgres_query as pq
from core.search import ranking as r
from core.search import schema as doc
from core.search.bulk import analysis_pool, chunks
from core.search.errors import IndexUnavailable
from core.search.postgres_snippets import SCHEMA as SNIPPET_SCHEMA
from core.search.postgres_snippets import TABLES as SNIPPET_TABLES
from core.search.postgres_snippets import PostgresSnippetStore, PostgresSnippetWriter, copy_rows, record_rows
from core.search.query import Hit, Query, Results, parse_text
from core.search.snippets import snippet_record, snippets_for

SCHEMA = "vitrine_search"
LOCK_CLASS = 0x56495452  # "VITR": the first key of our advisory locks
WRITER_LOCK, SETUP_LOCK = 1, 2
FLUSH_EVERY = 1000  # a writer's changes sent to the database at a time
MAX_FACET_CODE = 65_535  # facet values are counted as uint16 codes
DROP_WAIT = "200ms"  # how long a drop waits for the readers of an old generation before it is left for later
IDLE_CONNECTIONS = 8
LAYOUT = 1  # the tables' layout; an index of another is searched by no one until `search reindex`
log = logging.getLogger(__name__)


def conninfo(url: str) -> str:
    """libpq's form of a SQLAlchemy URL (`postgresql+psycopg://…`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def is_postgresql(url: str | None) -> bool:
    """True for a PostgreSQL database URL."""
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


def tables(gen: int) -> str:
    """The prefix of a generation's tables."""
    return f"{SCHEMA}.g{gen}_"


def _generation_ddl(gen: int) -> list[str]:
    t = tables(gen)
    # What every hit's row is read for stays inline and uncompressed: `head` (number, date, field
    # lengths, packed as a hit sends them), the facet codes, and the repeats (read by ts_rank: 3 µs a
    # row compressed, against 1 µs). The matching tsvector goes out of line first when a row passes
    # 2 KB (PostgreSQL moves nothing out of a shorter row): only GIN reads it.
    return [
        f'CREATE TABLE {t}docs (n integer PRIMARY KEY, id text COLLATE "C" NOT NULL, digest text, '
        "head bytea NOT NULL, fv bytea NOT NULL, cut boolean NOT NULL, rep tsvector NOT NULL, tsv tsvector NOT NULL)",
        f"CREATE TABLE {t}seqs (n integer NOT NULL, seq text NOT NULL)",
        f"ALTER TABLE {t}docs ALTER head SET STORAGE PLAIN, ALTER fv SET STORAGE PLAIN, "
        "ALTER rep SET STORAGE EXTERNAL, ALTER tsv SET STORAGE EXTERNAL",
        f"CREATE SEQUENCE {t}numbers OWNED BY {t}docs.n",
        f'CREATE TABLE {t}terms (lexeme text COLLATE "C" PRIMARY KEY, df integer NOT NULL)',
        f"CREATE TABLE {t}stats (docs bigint NOT NULL, lens bigint[] NOT NULL, cut bigint NOT NULL)",
        f"INSERT INTO {t}stats VALUES (0, '{{{','.join('0' * len(pq.FIELDS))}}}', 0)",
        f'CREATE TABLE {t}facets (code integer PRIMARY KEY, facet text COLLATE "C" NOT NULL, '
        'value text COLLATE "C" NOT NULL, UNIQUE (facet, value))',
        *(statement.format(t=t) for statement in SNIPPET_SCHEMA),
    ]


def _index_ddl(gen: int) -> list[str]:
    t = tables(gen)
    # fastupdate off: a GIN pending list is read by every search until vacuumed.
    return [f"ALTER TABLE {t}docs ADD UNIQUE (id)", f"ALTER TABLE {t}seqs ADD PRIMARY KEY (n)",
            f"CREATE INDEX ON {t}docs USING gin (tsv) WITH (fastupdate = off)"]  # fmt: skip


def _drop_sql(gen: int) -> str:
    # docs first: a drop locks in this order, so one held back by a reader holds nothing else.
    names = ["docs", "seqs", "terms", "stats", "facets", *SNIPPET_TABLES]
    return f"DROP TABLE IF EXISTS {', '.join(tables(gen) + name for name in names)}"


class PostgresIndex:
    """The index in the database at `url` (a core.search.SearchEngine), shared by this process's threads."""

    def __init__(self, url: str, facets: tuple[str, ...]):
        self.url = url
        self.path = url  # what the other engines call their location
        self.facets = tuple(facets)
        self._conninfo = conninfo(url)
        self._idle: list = []
        self._lock = threading.Lock()
        self._ensured = False
        self._codes: dict[int, list] = {}  # generation → facet value of each code
        self._version_gen: int | None = None  # the live generation as version() last found it

    # Connections ---------------------------------------------------------------------------

    @contextmanager
    def connection(self):
        """A connection of this process's pool, in autocommit (transactions are begun explicitly)."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None or conn.closed:
            conn = psycopg.connect(self._conninfo, autocommit=True)
            # A big plan would be compiled by JIT first: tens of milliseconds a search. And a part of a
            # query the planner thinks matches many rows (its guesses of tsquery selectivity are rough,
            # of `!x` rougher) must still go through the GIN index: a sequential scan reads every row's
            # tsvector out of line, 250 ms at 100,000 rows where the index takes 10.
            conn.execute("SET jit = off; SET enable_seqscan = off")
        try:
            yield conn
        except BaseException:
            if not conn.closed and conn.info.transaction_status != 0:
                try:
                    conn.execute("ROLLBACK")
                except psycopg.Error:
                    conn.close()
            raise
        finally:
            if not conn.closed and conn.info.transaction_status == 0:
                with self._lock:
                    if len(self._idle) < IDLE_CONNECTIONS:
                        self._idle.append(conn)
                        conn = None
            if conn is not None and not conn.closed:
                conn.close()

    def close(self) -> None:
        """Close the idle connections (the object stays usable)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # Generations ---------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the schema and an empty first generation if there is none yet."""
        if self._ensured:
            return
        with self.connection() as conn:
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, SETUP_LOCK))
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {SCHEMA}.generations")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.live (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
                         "gen integer NOT NULL, layout integer NOT NULL)")  # fmt: skip
            # A live table of before layouts were numbered reads as layout 0: another version's.
            conn.execute(f"ALTER TABLE {SCHEMA}.live ADD COLUMN IF NOT EXISTS layout integer NOT NULL DEFAULT 0")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.retired (gen integer PRIMARY KEY)")
            if conn.execute(f"SELECT 1 FROM {SCHEMA}.live").fetchone() is None:
                gen = conn.execute(f"SELECT nextval('{SCHEMA}.generations')").fetchone()[0]
                for statement in _generation_ddl(gen) + _index_ddl(gen):
                    conn.execute(statement)
                conn.execute(f"INSERT INTO {SCHEMA}.live (gen, layout) VALUES (%s, %s)", (gen, LAYOUT))
            conn.execute("COMMIT")
        self._ensured = True

    def _begin(self, conn, begin: str, lock_mode: str, then: str = "") -> tuple[tuple, list]:
        """Begin a transaction (`begin`, then a select of the live generation's row, extended by
        `begin`'s own columns) with the generation's docs table locked in `lock_mode`, so no
        rebuild drops it meanwhile; returns that row and the rows of `then` (`{t}`: the
        generation's prefix). A generation dropped between the two is looked up afresh."""
        for _attempt in range(3):
            live = _last(conn.execute(begin.format(live=f"{SCHEMA}.live WHERE layout = {LAYOUT}"))).fetchone()
            if live is None:
                conn.execute("ROLLBACK")
                raise IndexUnavailable(f"the search index in schema {SCHEMA} was written by another version: run "
                                       "`flask --app app search reindex`")  # fmt: skip
            lock = f"LOCK TABLE {tables(live[0])}docs IN {lock_mode} MODE"
            try:
                cursor = _last(conn.execute(f"{lock}; {then.format(t=tables(live[0]))}" if then else lock))
                return live, cursor.fetchall() if then else []
            except errors.UndefinedTable:
                conn.execute("ROLLBACK")
        raise IndexUnavailable(f"the search index's tables ({tables(live[0])}…) are missing: run "
                               "`flask --app app search reindex`")  # fmt: skip

    def discard(self, old: int | None) -> None:
        """Drop a replaced generation now if no reader holds it, else leave it for later."""
        if old is not None:
            self._drop([old])

    def _drop(self, gens: list[int]) -> None:
        with self.connection() as conn:
            live = conn.execute(f"SELECT gen FROM {SCHEMA}.live").fetchone()
            for gen in gens:
                if live and gen == live[0]:
                    continue
                try:
                    conn.execute("BEGIN")
                    conn.execute(f"SET LOCAL lock_timeout = '{DROP_WAIT}'")
                    conn.execute(_drop_sql(gen))
                    conn.execute(f"DELETE FROM {SCHEMA}.retired WHERE gen = %s", (gen,))
                    conn.execute("COMMIT")
                except errors.LockNotAvailable:  # a reader still searches it
                    conn.execute("ROLLBACK")
                    conn.execute(f"INSERT INTO {SCHEMA}.retired VALUES (%s) ON CONFLICT DO NOTHING", (gen,))
        with self._lock:
            for gen in gens:
                self._codes.pop(gen, None)

    def _drop_retired(self) -> None:
        with self.connection() as conn:
            retired = [row[0] for row in conn.execute(f"SELECT gen FROM {SCHEMA}.retired")]
        if retired:
            self._drop(retired)

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def try_writer(self, procs: int = 1):
        """Yield a writer, or None at once while another process holds the writer lock.

        The index rows, their terms' frequencies and the snippet records are written in one
        transaction, committed when the block ends; readers meanwhile see the index as it was.
        `procs` is accepted for the interface: the database does the indexing work here.
        """
        self.ensure()
        with self.connection() as conn:
            begin = f"BEGIN; SELECT gen, pg_try_advisory_xact_lock({LOCK_CLASS}, {WRITER_LOCK}) FROM {{live}}"
            (gen, locked), codes = self._begin(conn, begin, "ROW EXCLUSIVE", "SELECT facet, value, code FROM {t}facets")
            if not locked:
                conn.execute("ROLLBACK")
                yield None
                return
            writer = _Writer(self, conn, gen, codes)
            yield writer  # an exception rolls back (the pool's connection block)
            writer.flush()
            conn.execute("COMMIT")
        self._drop_retired()

    def rebuild(self, documents, procs: int = 1, on_document=None, keep_old: bool = False) -> int | None:
        """Index `documents` into a new generation and make it live, all in one transaction; drop
        the old one unless kept. Our terms and snippet records are made in `procs` processes."""
        self.ensure()
        self._drop_retired()
        with analysis_pool(procs) as pool, self.connection() as conn:
            conn.execute("BEGIN")
            # Reading every row (the document frequencies) is the table's scan, which searches forgo.
            conn.execute("SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL work_mem = '128MB'; "
                         "SET LOCAL enable_seqscan = on")  # fmt: skip
            gen = conn.execute(f"SELECT nextval('{SCHEMA}.generations')").fetchone()[0]
            for statement in _generation_ddl(gen):
                conn.execute(statement)
            loader = _Loader(conn, gen)
            for chunk in _rows_in_order(documents, self.facets, pool, 2 * max(1, procs), on_document):
                loader.add(chunk)
            loader.finish()
            for statement in _index_ddl(gen):
                conn.execute(statement)
            t = tables(gen)
            conn.execute(f"INSERT INTO {t}terms SELECT l, count(*) FROM {t}docs, unnest(tsvector_to_array(tsv)) l "
                         f"WHERE left(l, 1) IN ({pq.FIELD_CODES}) GROUP BY l")  # fmt: skip
            swap = (
                f"WITH old AS (SELECT gen FROM {SCHEMA}.live FOR UPDATE) UPDATE {SCHEMA}.live "
                "SET gen = %s, layout = %s FROM old RETURNING old.gen"
            )
            old = conn.execute(swap, (gen, LAYOUT)).fetchone()[0]
            conn.execute("COMMIT")
            # Hint bits and the visibility map set once here rather than by the first searches, and the
            # planner's statistics of the new tables (the GIN index's selectivity among them).
            conn.execute(f"VACUUM (ANALYZE) {tables(gen)}docs")
            conn.execute(f"ANALYZE {tables(gen)}terms")
        if keep_old:
            return old
        self.discard(old)
        return None

    # Reading -------------------------------------------------------------------------------

    @contextmanager
    def reading(self):
        """One REPEATABLE READ transaction: the index as it is now, unchanged by writes and
        rebuilds while the block runs (the generation it reads is not dropped meanwhile)."""
        self.ensure()
        with self.connection() as conn:
            begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT gen FROM {live}"
            (gen,), [stats] = self._begin(conn, begin, "ACCESS SHARE", "SELECT docs, lens, cut FROM {t}stats")
            yield _Snapshot(self, conn, gen, stats)
            conn.execute("COMMIT")

    def search(self, request: Query) -> Results:
        """One page of hits in relevance or date order, facet counts over every hit, snippets."""
        with self.reading() as snapshot:
            return snapshot.search(request)

    def digests(self) -> dict[str, str | None]:
        """Every indexed id with the digest it was indexed with."""
        with self.reading() as snapshot:
            snapshot.conn.execute("SET LOCAL enable_seqscan = on")  # every row: the table's scan
            return dict(snapshot.conn.execute(f"SELECT id, digest FROM {tables(snapshot.gen)}docs").fetchall())

    def count(self) -> int:
        """The number of documents."""
        with self.reading() as snapshot:
            return snapshot.stats.docs

    def version(self) -> str:
        """The live generation and the transaction that last wrote its statistics row (every writer's commit
        updates it), read in one statement: transactional, so it never runs ahead of what a search sees."""
        self.ensure()
        gen = self._version_gen
        with self.connection() as conn:
            for _attempt in range(3):
                try:
                    if gen is None:
                        gen = conn.execute(f"SELECT gen FROM {SCHEMA}.live").fetchone()[0]
                    live, stamp = conn.execute(f"SELECT l.gen, s.xmin::text FROM {SCHEMA}.live l, "
                                               f"{tables(gen)}stats s").fetchone()  # fmt: skip
                except errors.UndefinedTable:  # the generation remembered was dropped by a rebuild
                    gen = None
                    continue
                if live == gen:
                    self._version_gen = gen
                    return f"{gen}:{stamp}"
                gen = live
        raise IndexUnavailable(f"the search index in schema {SCHEMA} keeps changing generation")

    def facet_names(self, conn, gen: int, needed: int) -> list:
        """The (facet, value) of each code of a generation, read again once a code is new to us."""
        with self._lock:
            names = self._codes.get(gen)
        if names is None or len(names) < needed:
            rows = conn.execute(f"SELECT code, facet, value FROM {tables(gen)}facets ORDER BY code").fetchall()
            names = [None] * (rows[-1][0] + 1 if rows else 0)
            for code, facet, value in rows:
                names[code] = (facet, value)
            with self._lock:
                self._codes[gen] = names
        return names


def _last(cursor):
    """The cursor on the result of the last statement it ran (several, sent as one string)."""
    while cursor.nextset():
        pass
    return cursor


def _rows_in_order(documents, facets, pool, window: int, on_document, chunk: int = 500):
    """Chunks of (Row, snippet rows), in order, analysed by the pool's processes when there is one;
    `documents` read here, in the calling thread."""
    tasks = ((batch, facets) for batch in chunks(documents, chunk, on_document))
    if pool is None:
        for task in tasks:
            yield _analysed_chunk(task)
        return
    pending = deque()
    for task in tasks:
        pending.append(pool.apply_async(_analysed_chunk, (task,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _analysed_chunk(task) -> list[tuple]:
    documents, facets = task
    return [(pq.analysed(d, facets), record_rows(d["id"], d.get("digest"), snippet_record(d))) for d in documents]


class _Facets:
    """Facet values numbered in a generation's `facets` table, new ones added as they come."""

    def __init__(self, conn, gen: int, rows: list):
        self.conn, self.gen = conn, gen
        self.codes = {(facet, value): code for facet, value, code in rows}
        self.new: list[tuple] = []

    def packed(self, values: tuple) -> bytes:
        codes = []
        for value in values:
            code = self.codes.get(value)
            if code is None:
                code = len(self.codes)
                if code > MAX_FACET_CODE:
                    raise ValueError(f"more than {MAX_FACET_CODE + 1} facet values: the PostgreSQL engine counts "
                                     "at most that many")  # fmt: skip
                self.codes[value] = code
                self.new.append((code, *value))
            codes.append(code)
        return np.array(codes, dtype="<u2").tobytes()

    def save(self) -> None:
        if self.new:
            with self.conn.cursor() as cursor, cursor.copy(f"COPY {tables(self.gen)}facets FROM STDIN") as copy:
                for row in self.new:
                    copy.write_row(row)
            self.new = []


DOC_COLUMNS = "n, id, digest, head, fv, cut, rep, tsv"


def _doc_row(n: int, row: pq.Row, facets: _Facets) -> tuple:
    return (n, row.id, row.digest, pq.head(n, row), facets.packed(row.facets), row.cut, row.rep, row.tsv)


def _copy_docs(cursor, t: str, numbered: list[tuple[int, pq.Row]], facets: _Facets) -> None:
    with cursor.copy(f"COPY {t}docs ({DOC_COLUMNS}) FROM STDIN") as copy:
        for n, row in numbered:
            copy.write_row(_doc_row(n, row, facets))
    with cursor.copy(f"COPY {t}seqs FROM STDIN") as copy:
        for n, row in numbered:
            copy.write_row((n, row.seq))


class _Loader:
    """A rebuild's rows copied into a new generation, with its statistics counted on the way."""

    def __init__(self, conn, gen: int):
        self.conn, self.gen = conn, gen
        self.facets = _Facets(conn, gen, [])
        self.n = 0
        self.docs = self.cut = 0
        self.lens = np.zeros(len(pq.FIELDS), dtype=np.int64)

    def add(self, chunk: list[tuple]) -> None:
        t = tables(self.gen)
        snippets: tuple[list, list, list] = ([], [], [])
        numbered = []
        for row, snippet_rows in chunk:
            self.n += 1
            numbered.append((self.n, row))
            self.docs += 1
            self.cut += row.cut
            self.lens += pq.LENS.unpack(row.lens)
            for into, part in zip(snippets, snippet_rows, strict=True):
                into.extend(part)
        with self.conn.cursor() as cursor:
            _copy_docs(cursor, t, numbered, self.facets)
            copy_rows(cursor, t, snippets)

    def finish(self) -> None:
        t = tables(self.gen)
        self.facets.save()
        self.conn.execute(f"UPDATE {t}stats SET docs = %s, lens = %s, cut = %s",
                          (self.docs, [int(v) for v in self.lens], self.cut))  # fmt: skip
        self.conn.execute(f"SELECT setval('{t}numbers', %s)", (max(self.n, 1),))


class _Writer:
    """The few writing operations the app needs (a core.search.IndexWriter), gathered and sent a
    thousand at a time within the writer's transaction; the last change of an id wins."""

    def __init__(self, index: PostgresIndex, conn, gen: int, codes: list):
        self.index, self.conn, self.gen = index, conn, gen
        self.facets = _Facets(conn, gen, codes)
        self.snippets = PostgresSnippetWriter(conn, tables(gen))
        self._pending: dict[str, pq.Row | None] = {}

    def upsert(self, document: doc.Document) -> None:
        """Add the document, replacing the one with the same id."""
        self._pending[document["id"]] = pq.analysed(document, self.index.facets)
        self.snippets.put(document["id"], document.get("digest"), snippet_record(document))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def delete(self, doc_id: str) -> None:
        """Remove the document with this id, if there is one."""
        self._pending[doc_id] = None
        self.snippets.delete(doc_id)
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Send the gathered changes: old rows out (their terms' frequencies down), new rows in."""
        if not self._pending:
            return
        t, ids = tables(self.gen), list(self._pending)
        rows = [row for row in self._pending.values() if row is not None]
        delta: dict[str, int] = {}
        for row in rows:
            for lex in row.lexemes:
                delta[lex] = delta.get(lex, 0) + 1
        old = self.conn.execute(f"SELECT l, count(*) FROM {t}docs, unnest(tsvector_to_array(tsv)) l WHERE id = ANY(%s) "
                                f"AND left(l, 1) IN ({pq.FIELD_CODES}) GROUP BY l", [ids])  # fmt: skip
        for lex, count in old:
            delta[lex] = delta.get(lex, 0) - count
        lens = np.sum([pq.LENS.unpack(row.lens) for row in rows], axis=0, dtype=np.int64) if rows else 0
        docs, cut = len(rows), sum(row.cut for row in rows)
        for old_head, old_cut in self.conn.execute(f"SELECT head, cut FROM {t}docs WHERE id = ANY(%s)", [ids]):
            lens = lens - np.array(pq.lens_of(old_head), dtype=np.int64)
            docs, cut = docs - 1, cut - old_cut
        changed = {lex: d for lex, d in delta.items() if d}
        with self.conn.cursor() as cursor:
            cursor.execute(f"WITH gone AS (DELETE FROM {t}docs WHERE id = ANY(%s) RETURNING n) "
                           f"DELETE FROM {t}seqs WHERE n IN (SELECT n FROM gone)", [ids])  # fmt: skip
            if rows:
                sql = f"SELECT nextval('{t}numbers') FROM generate_series(1, %s)"
                numbers = [n for (n,) in cursor.execute(sql, (len(rows),)).fetchall()]
                _copy_docs(cursor, t, list(zip(numbers, rows, strict=True)), self.facets)
            if changed:
                cursor.execute(f"INSERT INTO {t}terms SELECT * FROM unnest(%s::text[], %s::int[]) "
                               f"ON CONFLICT (lexeme) DO UPDATE SET df = {t}terms.df + excluded.df",
                               [list(changed), list(changed.values())])  # fmt: skip
                cursor.execute(f"DELETE FROM {t}terms WHERE lexeme = ANY(%s) AND df <= 0",
                               [[lex for lex, d in changed.items() if d < 0]])  # fmt: skip
            lens_list = [int(v) for v in np.broadcast_to(lens, (len(pq.FIELDS),))]
            cursor.execute(f"UPDATE {t}stats SET docs = docs + %s, cut = cut + %s, "
                           "lens = ARRAY(SELECT a + b FROM unnest(lens, %s::bigint[]) x(a, b))",
                           (docs, cut, lens_list))  # fmt: skip
        self.facets.save()
        self.snippets.flush()
        self._pending.clear()


class _Snapshot:
    """One REPEATABLE READ transaction on one generation, and the search over it (a core.search.IndexSnapshot)."""

    def __init__(self, index: PostgresIndex, conn, gen: int, stats: tuple):
        self.index, self.conn, self.gen = index, conn, gen
        self.store = PostgresSnippetStore(conn, tables(gen))
        docs, lens, self.cut = stats
        self.stats = pq.Statistics(docs, {name: lens[i] / max(docs, 1) for i, name in enumerate(pq.FIELDS)}, {})

    def search(self, request: Query) -> Results:
        """One page of hits in relevance or date order, facet counts over every hit, snippets."""
        t = tables(self.gen)
        tree, dropped, words = parse_text(request.text)
        filters = [pq.facet_lexeme(name, str(value)) for name, values in request.filters.items()
                   if name in self.index.facets for value in values if value]  # fmt: skip
        by_date = request.order.startswith("date") or tree is None
        keys = {} if by_date else pq.scored(tree)
        key_list = list(keys)
        parts = pq.partitions(tree, filters, self.cut > 0, keys)
        names = [name for name in request.facets if name in self.index.facets]
        # The terms' document frequencies come back with the hits, as a "part" -1 of their own.
        terms = [k.lexeme for k in key_list if not k.prefix]
        selects = [
            f"SELECT -1, (SELECT string_agg(int4send(coalesce(t.df, 0)), '' ORDER BY k.i) FROM "
            f"unnest(%s::text[]) WITH ORDINALITY k(l, i) LEFT JOIN {t}terms t ON t.lexeme = k.l), NULL"
        ]
        params: list = [terms]
        sent: list[tuple] = []
        for number, part in enumerate(parts):
            record, record_params, part_sent = pq.record_sql(part, key_list, not by_date)
            sent.append(part_sent)
            facet_sql = "string_agg(fv, '')" if names else "NULL::bytea"
            where = part.where.replace("{t}", t)
            selects.append(f"SELECT {number}, string_agg({record.replace('{t}', t)}, ''), {facet_sql} "
                           f"FROM {t}docs d WHERE {where}")  # fmt: skip
            params += record_params + part.params
        found = self.conn.execute(" UNION ALL ".join(selects), params, binary=True).fetchall()
        packed_df = next(records for number, records, _fv in found if number == -1) or b""
        frequencies = dict(zip(terms, np.frombuffer(packed_df, dtype=">i4").tolist(), strict=True))
        stats = pq.Statistics(self.stats.docs, self.stats.average, frequencies)
        found = [row for row in found if row[0] >= 0]
        hits = pq.decode([(parts[n], sent[n], records) for n, records, _fv in found], key_list, not by_date)
        total = len(hits.n)
        if by_date:
            keys_array, ascending = hits.date, request.order == "date_asc"
            scores = np.zeros(total, dtype=np.float32)
        else:
            keys_array, ascending = pq.scores(tree, hits, stats), False
            scores = keys_array
        page = max(1, request.page)
        first = (page - 1) * request.per_page
        chosen = r.top(np.ones(total, dtype=bool), keys_array, first + request.per_page, ascending,
                       candidates=np.arange(total))[first:]  # fmt: skip
        shown = self._documents([int(hits.n[i]) for i in chosen])
        digests = {doc_id: digest for doc_id, digest in shown}
        snippets = snippets_for(self.store, digests, words, request.snippet_lang)
        page_hits = [Hit(doc_id, float(scores[i]), snippets.get(doc_id))
                     for i, (doc_id, _digest) in zip(chosen, shown, strict=True)]  # fmt: skip
        facets = self._facet_counts([fv for _number, _records, fv in found], names)
        return Results(page_hits, total, facets, "dropped" if dropped else None)

    def _documents(self, numbers: list[int]) -> list[tuple[str, str | None]]:
        if not numbers:
            return []
        rows = dict((n, (doc_id, digest)) for n, doc_id, digest in self.conn.execute(
            f"SELECT n, id, digest FROM {tables(self.gen)}docs WHERE n = ANY(%s)", [numbers]))  # fmt: skip
        return [rows[n] for n in numbers]

    def _facet_counts(self, packed: list, names: list[str]) -> dict[str, dict[str, int]]:
        if not names:
            return {}
        codes = np.frombuffer(b"".join(p for p in packed if p), dtype="<u2")
        counts = np.bincount(codes) if len(codes) else np.zeros(0, dtype=np.int64)
        values = self.index.facet_names(self.conn, self.gen, len(counts))
        out: dict[str, dict[str, int]] = {name: {} for name in names}
        for code in np.flatnonzero(counts):
            facet, value = values[code]
            if facet in out:
                out[facet][value] = int(counts[code])
        return out


_indexes: dict[tuple, PostgresIndex] = {}
_indexes_lock = threading.Lock()


def get_index(url: str, facets: tuple[str, ...]) -> PostgresIndex:
    """The one PostgresIndex object of this process for that database (it keeps the connections)."""
    key = (url, tuple(facets), os.getpid())
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = PostgresIndex(url, facets)
        return _indexes[key]
