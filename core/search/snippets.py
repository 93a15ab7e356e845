"""Snippets whose cost does not grow with the length of the documents found.

At index time each text of a document (one per language) is cut into passages of about
PASSAGE_CHARS characters at spaces, and a bounded record of it is kept (`snippet_record`): for
each distinct folded word, the numbers of the first passages holding it, and those passages
alone. At query time, for the page of hits only, the passages holding the most of the query's
words are picked from the record, read one by one and marked (`snippets_for`): the text examined
per hit is at most SNIPPET_PASSAGES passages, whatever the length of the document.

Every engine keeps these records in a `SnippetStore` beside its index, written in step with it
by its writer; `SqliteSnippetStore` is one SQLite file (the Whoosh engine keeps one in each index
generation folder, so a rebuild's swap swaps it too). A store answers only for the version of a
document the engine found: each record carries the document's digest, and a record whose digest
differs (a crash between the two commits, a stale reader) gives no snippet rather than another
text's.
"""

import functools
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Protocol

from core.search.analysis import WORD, fold, fold_word, normalise
from core.search.errors import IndexUnavailable
from core.search.schema import Document

PASSAGE_CHARS = 240  # a passage is cut at the last space before this many characters
MAX_PASSAGES = 400  # passages kept per document, all languages together (~100 KB)
MAX_WORDS = 4000  # distinct folded words mapped per document, all languages together
PASSAGES_PER_WORD = 3  # the first passages holding a word that the record names
SNIPPET_PASSAGES = 2  # fragments in a snippet, as many passages read per hit
MAX_EXPANSION = 64  # words of a record a prefix of the query may stand for
SURROUND = 60  # characters kept before the first marked word of a fragment
FRAGMENT_CHARS = 180  # a fragment's marked words lie within this many characters of its start
BETWEEN = " … "
FIND_BATCH = 500  # documents asked of a store at once (SQLite takes at most 32,766 values)
WRITE_BATCH = 500  # documents a SQLite store's writer writes at a time
log = logging.getLogger(__name__)


# --- Index time: a bounded record of each text -----------------------------------------------


@dataclass(frozen=True)
class TextRecord:
    """What highlighting needs of one text: `words` maps each folded word to passage numbers, as
    sorted lines `word n n n` between newlines (searched with str.find, never parsed whole);
    `passages` holds the passages those lines name, by number."""

    words: str
    passages: dict[int, str]


def passages(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each passage of `text`: about PASSAGE_CHARS characters, cut at a space."""
    start, size = 0, len(text)
    while start < size:
        end = min(size, start + PASSAGE_CHARS)
        if end < size:
            half = start + PASSAGE_CHARS // 2
            cut = max(text.rfind(" ", half, end), text.rfind("\n", half, end))
            end = cut if cut > start else end
        yield start, end
        start = end
        while start < size and text[start].isspace():
            start += 1


def _text_record(text: str, max_words: int, max_passages: int) -> tuple[TextRecord, int]:
    if len(text) <= PASSAGE_CHARS:  # one passage (a title, a caption): the common case, made short
        words = sorted(set(map(fold_word, set(WORD.findall(text)))))[:max_words]
        if not words:
            return TextRecord("\n", {}), 0
        return TextRecord("\n" + " 0\n".join(words) + " 0\n", {0: text}), len(words)
    mapped: dict[str, list[int]] = {}  # folded word → the first passages holding it
    firsts: dict[int, int] = {}  # passage → how many words are first found in it
    spans = []
    for number, (start, end) in enumerate(passages(text)):
        spans.append((start, end))
        # Distinct words first, then folded (fold_word lowers): a passage repeats many of its words.
        for word in set(map(fold_word, set(WORD.findall(text, start, end)))):
            numbers = mapped.get(word)
            if numbers is None:
                if len(mapped) < max_words:
                    mapped[word] = [number]
                    firsts[number] = firsts.get(number, 0) + 1
            elif len(numbers) < PASSAGES_PER_WORD:
                numbers.append(number)
    if len(spans) <= max_passages:  # every passage kept: no word loses any of its numbers
        kept = {n for numbers in mapped.values() for n in numbers}
        lines = [f"{word} {' '.join(map(str, mapped[word]))}" for word in sorted(mapped)]
    else:
        # Every word's first passage while they fit, those that introduce the most words first (a
        # word found only far into a long text keeps its passage); then later passages in order.
        kept = set(sorted(firsts, key=lambda n: (-firsts[n], n))[:max_passages])
        if len(kept) < max_passages:
            later = sorted({n for numbers in mapped.values() for n in numbers[1:]} - kept)
            kept.update(later[: max_passages - len(kept)])
        lines = []
        for word, numbers in sorted(mapped.items()):
            if named := [str(n) for n in numbers if n in kept]:
                lines.append(f"{word} {' '.join(named)}")
    record = TextRecord("\n" + "".join(f"{line}\n" for line in lines),
                        {n: text[spans[n][0] : spans[n][1]] for n in sorted(kept)})  # fmt: skip
    return record, len(lines)


def snippet_record(document: Document) -> dict[str, TextRecord]:
    """The record of each language's text of `document`, at most MAX_PASSAGES passages and
    MAX_WORDS words for all of them together, whatever their length."""
    texts = {lang: normalise(text) for lang, text in (document.get("texts") or {}).items() if text}
    records, words, kept = {}, MAX_WORDS, MAX_PASSAGES
    # Shortest first, each taking at most its share of what is left: a title in one language
    # does not take room that a long transcription in another needs.
    for done, lang in enumerate(sorted(texts, key=lambda lang: len(texts[lang]))):
        share = len(texts) - done
        records[lang], mapped = _text_record(texts[lang], max(1, words // share), max(1, kept // share))
        words -= mapped
        kept -= len(records[lang].passages)
    return records


# --- The store ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """The passages picked in one document: the language they are in, and their texts in order."""

    lang: str
    passages: list[str]


Chooser = Callable[[dict[str, list[int]]], list[int]]


class SnippetWriter(Protocol):
    """The changes of one commit of a SnippetStore."""

    def put(self, doc_id: str, digest: str | None, record: dict[str, TextRecord]) -> None:
        """Replace what the store holds for `doc_id`."""

    def delete(self, doc_id: str) -> None:
        """Forget `doc_id`, if the store holds it."""


class SnippetStore(Protocol):
    """Where an engine keeps the snippet records of its documents."""

    def writer(self) -> AbstractContextManager[SnippetWriter]:
        """A writer committed when the block ends, rolled back if it raises."""

    def find(self, docs: dict[str, str | None], terms: frozenset, langs: list[str],
             choose: Chooser) -> dict[str, Found]:  # fmt: skip
        """For each document of `docs` (id → the digest the engine holds) whose record has that
        digest: in the first language of `langs` (else any other, by tag) whose words include
        one of `terms` (see `matching`), the passages `choose` picks from {term: passage numbers},
        read in one consistent view of the store."""

    def close(self) -> None:
        """Release the store's files."""


def matching(words: str, terms: frozenset) -> dict[str, list[int]]:
    """{term: passage numbers} for the terms found in a record's `words`; a term ending in `*`
    is a prefix, standing for at most MAX_EXPANSION words."""
    found = {}
    for term in terms:
        if term.endswith("*"):
            key, numbers, at = "\n" + term[:-1], [], 0
            for _count in range(MAX_EXPANSION):
                at = words.find(key, at)
                if at < 0:
                    break
                end = words.index("\n", at + 1)
                numbers += [int(n) for n in words[at + 1 : end].split(" ")[1:]]
                at = end
        else:
            at = words.find(f"\n{term} ")
            numbers = [int(n) for n in words[at + 1 : words.index("\n", at + 1)].split(" ")[1:]] if at >= 0 else []
        if numbers:
            found[term] = sorted(set(numbers))
    return found


SCHEMA_VERSION = 2
# A long text's words are kept in one row per first letter, so a query reads the few rows of its
# terms' letters (about a thirtieth of the words) wherever a record is long; a short one's in one.
SCHEMA = """
CREATE TABLE IF NOT EXISTS snippet_texts (
    doc TEXT NOT NULL, lang TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (doc, lang)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snippet_words (
    doc TEXT NOT NULL, lang TEXT NOT NULL, letter TEXT NOT NULL, words TEXT NOT NULL,
    PRIMARY KEY (doc, lang, letter)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snippet_passages (
    doc TEXT NOT NULL, lang TEXT NOT NULL, n INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (doc, lang, n)) WITHOUT ROWID;
"""
TABLES = ("snippet_texts", "snippet_words", "snippet_passages")
SPLIT_CHARS = 2000  # a record's words longer than this are kept by first letter
_ALL_LETTERS = ""  # the letter of a short record's single row


def _letter(word: str) -> str:
    """The row a word of a long record is kept in: its first letter or digit, else "~"."""
    first = word[:1]
    return first if first.isascii() and first.isalnum() else "~"


def _by_letter(words: str) -> list[tuple[str, str]]:
    """A record's `words` as (letter, words of that letter) rows, or one row when it is short."""
    if len(words) <= SPLIT_CHARS:
        return [(_ALL_LETTERS, words)]
    rows: dict[str, list[str]] = {}
    for line in words.strip("\n").split("\n"):
        rows.setdefault(_letter(line), []).append(line)
    return [(letter, "\n" + "".join(f"{line}\n" for line in lines)) for letter, lines in rows.items()]


def terms_by_letter(terms: frozenset) -> dict[str, set]:
    """The query's terms by the row of a long record that may hold them (every term for a short one's)."""
    by_letter: dict[str, set] = {_ALL_LETTERS: set(terms)}
    for term in terms:
        by_letter.setdefault(_letter(term), set()).add(term)
    return by_letter


def located_in(rows, docs: dict, by_letter: dict[str, set], langs: list[str]) -> dict[str, tuple]:
    """{doc: (lang, {term: passage numbers})} from a store's (doc, lang, digest, letter, words) rows:
    for each document, its first language in the order of `langs`, then the others by tag, whose
    record has the digest the engine holds and names a term."""
    rank = {lang: i for i, lang in enumerate(langs)}
    found: dict[tuple, dict] = {}
    for doc_id, lang, digest, letter, words in rows:
        if digest == (docs[doc_id] or ""):
            found.setdefault((doc_id, lang), {}).update(matching(words, frozenset(by_letter[letter])))
    located = {}
    for (doc_id, lang), where in sorted(found.items(), key=lambda item: (rank.get(item[0][1], len(rank)), item[0][1])):
        if where and doc_id not in located:
            located[doc_id] = (lang, where)
    return located


STORE_FILE = "snippets.sqlite3"
_PART = "snippets-part-{}.sqlite3"
_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(key: str, message: str, *args, exc_info: bool = False) -> None:
    # Once per process: a search must not fill the log with the same complaint at every request.
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message, *args, exc_info=exc_info)


def _connect(path: Path) -> sqlite3.Connection:
    # mode=rw: a store is made only with its index, never by opening one that lacks it.
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, check_same_thread=False,
                           timeout=30)  # fmt: skip
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class SqliteSnippetStore:
    """A SnippetStore in one SQLite file (WAL: readers never wait for the writer). One object
    serves the threads of a process, one query at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn = _connect(self.path)
        self._lock = threading.Lock()
        # Read now: the files stay open, so a reader keeps its store after a rebuild removes it.
        self._conn.execute("SELECT 1 FROM snippet_words LIMIT 1").fetchall()

    @classmethod
    def create(cls, folder: Path) -> None:
        """Make an empty store in an index folder."""
        conn = sqlite3.connect(Path(folder) / STORE_FILE, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        finally:
            conn.close()

    @classmethod
    def open(cls, folder: Path) -> "SqliteSnippetStore | None":
        """The store of an index folder, or None (logged once) for an index made before stores were
        or a store that cannot be read: searches then answer without snippets."""
        path = Path(folder) / STORE_FILE
        problem = "has no snippet store (it was written by an older version)"
        if path.exists():
            try:
                store = cls(path)
            except sqlite3.Error as error:
                problem = f"has a snippet store that cannot be read ({error})"
            else:
                if store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                    return store
                store.close()
                problem = "has a snippet store of another version"
        _warn_once(str(folder), f"the search index in %s {problem}: hits come without snippets until "
                                "`flask --app app search reindex`", folder)  # fmt: skip
        return None

    @classmethod
    @contextmanager
    def writer_in(cls, folder: Path):
        """A writer on the store of an index folder; one that writes nothing if it has none."""
        path = Path(folder) / STORE_FILE
        if not path.exists():
            yield _NoWriter()
            return
        conn = None
        try:
            conn = _connect(path)
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:  # damaged: `search reindex` replaces the index whatever its state
            if conn is not None:
                conn.close()
            raise IndexUnavailable(f"the snippet store at {path} cannot be written: {error!r}") from error
        try:
            try:
                writer = _SqliteWriter(conn)
                yield writer
                writer.flush()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def writer(self):
        """A writer committed when the block ends, rolled back if it raises."""
        with self.writer_in(self.path.parent) as writer:
            yield writer

    def find(self, docs: dict[str, str | None], terms: frozenset, langs: list[str],
             choose: Chooser) -> dict[str, Found]:  # fmt: skip
        """See SnippetStore.find."""
        if not docs or not terms:
            return {}
        with self._lock:
            self._conn.execute("BEGIN")  # one view for the records and their passages
            try:
                # The reader's languages first; the others only for documents not found in them.
                located = self._locate(docs, terms, list(langs), "IN")
                rest = {doc_id: digest for doc_id, digest in docs.items() if doc_id not in located}
                if rest:
                    located.update(self._locate(rest, terms, list(langs), "NOT IN"))
                wanted = [(doc_id, lang, n) for doc_id, (lang, where) in located.items() for n in choose(where)]
                texts = {}
                if wanted:
                    # A join from the keys (a `(…) IN (VALUES …)` scans the whole table).
                    rows = self._conn.execute(
                        f"WITH wanted(doc, lang, n) AS (VALUES {','.join(['(?, ?, ?)'] * len(wanted))}) "
                        "SELECT p.doc, p.lang, p.n, p.text FROM wanted CROSS JOIN snippet_passages p "
                        "ON p.doc = wanted.doc AND p.lang = wanted.lang AND p.n = wanted.n",
                        [value for key in wanted for value in key],
                    )
                    texts = {(doc_id, lang, n): text for doc_id, lang, n, text in rows}
            finally:
                self._conn.execute("COMMIT")
        found = {}
        for doc_id, lang, n in wanted:
            if (doc_id, lang, n) in texts:
                found.setdefault(doc_id, Found(lang, [])).passages.append(texts[doc_id, lang, n])
        return found

    def _locate(self, docs: dict, terms: frozenset, langs: list[str], among: str) -> dict[str, tuple]:
        """{doc: (lang, {term: passage numbers})} in the first language of `langs` (or, `among`
        being "NOT IN", of the others by tag) where the words of a record with the right digest hold a term."""
        by_letter = terms_by_letter(terms)
        letters = sorted(by_letter)
        rows = self._conn.execute(
            "SELECT t.doc, t.lang, t.digest, w.letter, w.words FROM snippet_texts t JOIN snippet_words w "
            "ON w.doc = t.doc AND w.lang = t.lang "
            f"WHERE t.doc IN ({','.join('?' * len(docs))}) AND t.lang {among} ({','.join('?' * len(langs))}) "
            f"AND w.letter IN ({','.join('?' * len(letters))}) ORDER BY t.lang",
            [*docs, *langs, *letters],
        ).fetchall()
        return located_in(rows, docs, by_letter, langs)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()

    # A rebuild: each process writes its share of the documents to a part file, and the parent
    # joins the parts before the index is swapped in.

    @staticmethod
    def write_part(folder: Path, name: str, documents: Iterable[Document]) -> None:
        """Write the records of `documents` to a part file of the store in `folder`."""
        conn = sqlite3.connect(Path(folder) / _PART.format(name), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.executescript(SCHEMA)
            conn.execute("BEGIN")
            writer = _SqliteWriter(conn, fresh=True)
            for document in documents:
                writer.put(document["id"], document.get("digest"), snippet_record(document))
            writer.flush()
            conn.execute("COMMIT")
        finally:
            conn.close()

    @staticmethod
    def join_parts(folder: Path) -> None:
        """Move every part file's records into the store of `folder`, and remove the parts."""
        parts = sorted(Path(folder).glob(_PART.format("*")))
        if not parts:
            return
        conn = sqlite3.connect(Path(folder) / STORE_FILE, isolation_level=None)
        try:
            for part in parts:
                conn.execute("ATTACH DATABASE ? AS part", (str(part),))
                conn.execute("BEGIN")
                for table in TABLES:
                    conn.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM part.{table}")
                conn.execute("COMMIT")
                conn.execute("DETACH DATABASE part")
                part.unlink()
        finally:
            conn.close()


class _SqliteWriter:
    """Puts and deletes gathered and written WRITE_BATCH documents at a time (six statements a
    document one by one were most of what a catch-up spent beyond a rebuild); the last put or
    delete of a document wins, as one by one. `flush` before the transaction commits."""

    def __init__(self, conn: sqlite3.Connection, fresh: bool = False):
        self._conn = conn
        self._fresh = fresh  # a part file: nothing to delete first (a repeated id replaces, never fails)
        self._pending: dict[str, tuple | None] = {}

    def put(self, doc_id: str, digest: str | None, record: dict[str, TextRecord]) -> None:
        self._pending[doc_id] = (digest or "", record)
        if len(self._pending) >= WRITE_BATCH:
            self.flush()

    def delete(self, doc_id: str) -> None:
        self._pending[doc_id] = None
        if len(self._pending) >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        if not pending:
            return
        if not self._fresh:
            ids = list(pending)
            for table in TABLES:
                self._conn.execute(f"DELETE FROM {table} WHERE doc IN ({','.join('?' * len(ids))})", ids)
        texts, words, passages_ = [], [], []
        for doc_id, found in pending.items():
            if found is None:
                continue
            digest, record = found
            for lang, text in record.items():
                texts.append((doc_id, lang, digest))
                words += [(doc_id, lang, letter, line) for letter, line in _by_letter(text.words)]
                passages_ += [(doc_id, lang, n, passage) for n, passage in text.passages.items()]
        self._conn.executemany("INSERT OR REPLACE INTO snippet_texts VALUES (?, ?, ?)", texts)
        self._conn.executemany("INSERT OR REPLACE INTO snippet_words VALUES (?, ?, ?, ?)", words)
        self._conn.executemany("INSERT OR REPLACE INTO snippet_passages VALUES (?, ?, ?, ?)", passages_)


class _NoWriter:
    """The writer of an index without a store: its documents get no snippets until a reindex."""

    def put(self, doc_id: str, digest: str | None, record: dict[str, TextRecord]) -> None:
        pass

    def delete(self, doc_id: str) -> None:
        pass


# --- Query time: the page's snippets --------------------------------------------------------


def reading_order(lang: str | None) -> list[str]:
    """The languages a snippet is looked for in: the reader's, its base language, Vietnamese."""
    order = [lang, lang.split("-")[0]] if lang else []
    return list(dict.fromkeys([*order, "vi"]))


def _best(located: dict[str, list[int]]) -> list[int]:
    """SNIPPET_PASSAGES passages, in order, each holding the most of the terms the ones before
    it lack; a term in few passages of the document weighs more than one in many (a word found
    once, far into the text, is shown)."""
    holding: dict[int, set[str]] = {}
    for term, numbers in located.items():
        for n in numbers:
            holding.setdefault(n, set()).add(term)
    weight = {term: 1 / len(numbers) for term, numbers in located.items()}
    chosen, missing = [], set(located)
    while holding and len(chosen) < SNIPPET_PASSAGES:
        best = max(holding, key=lambda n: (sum(weight[t] for t in holding[n] & missing),
                                           sum(weight[t] for t in holding[n]), -n))  # fmt: skip
        missing -= holding.pop(best)
        chosen.append(best)
    return sorted(chosen)


def snippets_for(store: SnippetStore | None, hits: dict[str, str | None], terms: frozenset,
                 lang: str | None) -> dict[str, str]:  # fmt: skip
    """Escaped HTML around the query's `terms` (folded words, `prefix*`) for each of `hits`
    (id → the digest the engine indexed): in the reader's language first, then Vietnamese, then
    any; fragments joined by " … ". Hits without a matching passage are left out."""
    if store is None or not terms or not hits:
        return {}
    found, ids = {}, list(hits)
    try:
        for start in range(0, len(ids), FIND_BATCH):
            batch = {doc_id: hits[doc_id] for doc_id in ids[start : start + FIND_BATCH]}
            found.update(store.find(batch, terms, reading_order(lang), _best))
    except Exception:  # a search answers without snippets rather than fail because of them
        _warn_once(f"find:{id(store)}", "snippets could not be read from %r", store, exc_info=True)
        return {}
    out = {}
    for doc_id, result in found.items():
        fragments = [f for f in (mark(passage, terms) for passage in result.passages) if f]
        if fragments:
            out[doc_id] = BETWEEN.join(fragments)
    return out


# A folded term becomes a pattern over the text as written: each letter a class of the letters
# that fold to it (`d` → `[dDđĐďĎ…]`), so one regular expression finds the terms in a passage
# without folding it. The classes cover the Latin letters of Vietnamese, French and their
# neighbours; a passage holding any other letter is folded word by word instead.
def _letter_classes() -> dict[str, str]:
    classes: dict[str, set[str]] = {}
    for code in (*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250),
                 *range(0x1E00, 0x1F00)):  # fmt: skip
        folded = fold(chr(code))
        if len(folded) == 1:
            classes.setdefault(folded, set()).add(chr(code))
    return {letter: f"[{''.join(sorted(re.escape(c) for c in chars | {letter}))}]" for letter, chars in classes.items()}


_CLASSES = _letter_classes()
_OTHER = re.compile(r"[^\W\x00-\u024f\u1e00-\u1eff]")  # a letter or digit the classes lack


@functools.lru_cache(maxsize=256)
def _pattern(terms: frozenset) -> re.Pattern:
    def written(term: str) -> str:
        return "".join(_CLASSES.get(letter, re.escape(letter)) for letter in term)

    words = [written(t) + r"(?!\w)" for t in sorted(terms) if not t.endswith("*")]
    prefixes = [written(t[:-1]) + r"\w*" for t in sorted(terms) if t.endswith("*")]
    return re.compile(rf"(?<!\w)(?:{'|'.join(words + prefixes)})")


def _matches(passage: str, terms: frozenset) -> list[tuple[int, int]]:
    """Where the words of `passage` that match `terms` are."""
    if not _OTHER.search(passage):
        return [match.span() for match in _pattern(terms).finditer(passage)]
    words = {t for t in terms if not t.endswith("*")}
    prefixes = tuple(t[:-1] for t in terms if t.endswith("*"))
    spans = []
    for match in WORD.finditer(passage):
        folded = fold_word(match.group().lower())
        if folded in words or (prefixes and folded.startswith(prefixes)):
            spans.append(match.span())
    return spans


def mark(passage: str, terms: frozenset) -> str:
    """One fragment of `passage` around its words matching `terms`, escaped, each in <mark class="hl">;
    "" when none matches."""
    spans = _matches(passage, terms)
    if not spans:
        return ""
    start = max(0, spans[0][0] - SURROUND)
    if start:  # begin at a word
        space = passage.find(" ", start, spans[0][0])
        start = space + 1 if space >= 0 else spans[0][0]
    inside = [s for s in spans if s[1] <= start + FRAGMENT_CHARS] or spans[:1]
    end = min(len(passage), inside[-1][1] + SURROUND)
    if end < len(passage):  # end at a word
        space = passage.rfind(" ", inside[-1][1], end)
        end = space if space >= 0 else inside[-1][1]
    html, at = [], start
    for first, last in inside:
        html += [escape(passage[at:first]), '<mark class="hl">', escape(passage[first:last]), "</mark>"]
        at = last
    html.append(escape(passage[at:end]))
    return "".join(html).strip()
