"""The snippet store in PostgreSQL: what highlighting needs, shared by every machine on one database.

The same records as core.search.snippets.SqliteSnippetStore (a text's passages, and its folded
words naming them, a long text's words in one row per first letter), in three tables of the
PostgreSQL engine's generation, so a rebuild's swap swaps them with the index. A store object
works on one connection: in the engine's reader, inside its REPEATABLE READ transaction (the
records and the hits come from one snapshot); in the engine's writer, inside the transaction
that writes the index rows, so a crash never leaves the two apart.
"""

from contextlib import contextmanager

from core.search.snippets import Chooser, Found, TextRecord, _by_letter, located_in, terms_by_letter

TABLES = ("snippet_texts", "snippet_words", "snippet_passages")
# Created with the engine's other tables of a generation; `{t}` is the generation's table prefix.
SCHEMA = (
    'CREATE TABLE {t}snippet_texts (doc text COLLATE "C" NOT NULL, lang text COLLATE "C" NOT NULL, '
    "digest text NOT NULL, PRIMARY KEY (doc, lang))",
    'CREATE TABLE {t}snippet_words (doc text COLLATE "C" NOT NULL, lang text COLLATE "C" NOT NULL, '
    'letter text COLLATE "C" NOT NULL, words text NOT NULL, PRIMARY KEY (doc, lang, letter))',
    'CREATE TABLE {t}snippet_passages (doc text COLLATE "C" NOT NULL, lang text COLLATE "C" NOT NULL, '
    "n integer NOT NULL, text text NOT NULL, PRIMARY KEY (doc, lang, n))",
)


def record_rows(doc_id: str, digest: str | None, record: dict[str, TextRecord]) -> tuple[list, list, list]:
    """The rows of one document's record in each table (plain data: made in worker processes)."""
    texts = [(doc_id, lang, digest or "") for lang in record]
    words = [(doc_id, lang, letter, text) for lang, rec in record.items() for letter, text in _by_letter(rec.words)]
    passages = [(doc_id, lang, n, passage) for lang, rec in record.items() for n, passage in rec.passages.items()]
    return texts, words, passages


def copy_rows(cursor, prefix: str, rows: tuple[list, list, list]) -> None:
    """Add rows (as `record_rows` gives them, several documents' joined) with COPY."""
    for table, table_rows in zip(TABLES, rows, strict=True):
        if table_rows:
            with cursor.copy(f"COPY {prefix}{table} FROM STDIN") as copy:
                for row in table_rows:
                    copy.write_row(row)


class PostgresSnippetStore:
    """A core.search.snippets.SnippetStore in the tables named `{prefix}snippet_…`, read and
    written on `connection` (psycopg, autocommit: transactions are begun explicitly)."""

    def __init__(self, connection, prefix: str):
        self.connection = connection
        self.prefix = prefix

    @contextmanager
    def writer(self):
        """A writer in the connection's transaction when one is open (committed with it), else in
        one of its own, committed when the block ends and rolled back if it raises."""
        own = self.connection.info.transaction_status == 0  # idle: no transaction open
        if own:
            self.connection.execute("BEGIN")
        writer = PostgresSnippetWriter(self.connection, self.prefix)
        try:
            yield writer
            writer.flush()
        except BaseException:
            if own:
                self.connection.execute("ROLLBACK")
            raise
        if own:
            self.connection.execute("COMMIT")

    def find(self, docs: dict[str, str | None], terms: frozenset, langs: list[str],
             choose: Chooser) -> dict[str, Found]:  # fmt: skip
        """See core.search.snippets.SnippetStore.find; in the connection's current view."""
        if not docs or not terms:
            return {}
        located = self._locate(docs, terms, list(langs))
        wanted = [(doc_id, lang, n) for doc_id, (lang, where) in located.items() for n in choose(where)]
        texts = {}
        if wanted:
            rows = self.connection.execute(
                f"SELECT p.doc, p.lang, p.n, p.text FROM unnest(%s::text[], %s::text[], %s::int[]) w(doc, lang, n) "
                f"JOIN {self.prefix}snippet_passages p ON p.doc = w.doc AND p.lang = w.lang AND p.n = w.n",
                [[w[0] for w in wanted], [w[1] for w in wanted], [w[2] for w in wanted]],
            )
            texts = {(doc_id, lang, n): text for doc_id, lang, n, text in rows}
        found = {}
        for doc_id, lang, n in wanted:
            if (doc_id, lang, n) in texts:
                found.setdefault(doc_id, Found(lang, [])).passages.append(texts[doc_id, lang, n])
        return found

    def _locate(self, docs: dict, terms: frozenset, langs: list[str]) -> dict[str, tuple]:
        """{doc: (lang, {term: passage numbers})} in the first language of `langs`, else of the
        others by tag, whose record, of the right digest, holds a term. One query for all
        languages (a round trip costs more here than the few rows of other languages)."""
        by_letter = terms_by_letter(terms)
        rows = self.connection.execute(
            f"SELECT t.doc, t.lang, t.digest, w.letter, w.words FROM {self.prefix}snippet_texts t "
            f"JOIN {self.prefix}snippet_words w ON w.doc = t.doc AND w.lang = t.lang "
            f"WHERE t.doc = ANY(%s) AND w.letter = ANY(%s)",
            [list(docs), sorted(by_letter)],
        ).fetchall()
        return located_in(rows, docs, by_letter, langs)

    def close(self) -> None:
        """Nothing to release: the connection is its owner's."""


class PostgresSnippetWriter:
    """Puts and deletes gathered, then written together: the documents' old rows deleted, the
    new ones copied in (the last put or delete of a document wins, as one by one)."""

    def __init__(self, connection, prefix: str):
        self.connection = connection
        self.prefix = prefix
        self._pending: dict[str, tuple | None] = {}

    def put(self, doc_id: str, digest: str | None, record: dict[str, TextRecord]) -> None:
        """Replace what the store holds for `doc_id`."""
        self.add(doc_id, record_rows(doc_id, digest, record))

    def add(self, doc_id: str, rows: tuple[list, list, list]) -> None:
        """As `put`, with the rows `record_rows` made (in a worker process, say)."""
        self._pending[doc_id] = rows

    def delete(self, doc_id: str) -> None:
        """Forget `doc_id`, if the store holds it."""
        self._pending[doc_id] = None

    def flush(self) -> None:
        """Write what was gathered, in the connection's transaction."""
        if not self._pending:
            return
        ids = list(self._pending)
        with self.connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DELETE FROM {self.prefix}{table} WHERE doc = ANY(%s)", [ids])
            rows: tuple[list, list, list] = ([], [], [])
            for found in self._pending.values():
                for into, part in zip(rows, found or ((), (), ()), strict=True):
                    into.extend(part)
            copy_rows(cursor, self.prefix, rows)
        self._pending.clear()
