"""The full-text engine adapter: the only module that imports whoosh.

The rest of the app hands in plain documents and reads back plain results, so the engine
stays replaceable. A document is a dict:

    {"id": str, "digest": str, "date": int, "texts": {lang: str}, "extra": str,
     "facets": {name: [value, ...]}}

`texts` and `extra` are searched; `texts` are also stored for snippets per language.
"""

import os
import re
import shutil
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.analysis import BiWordFilter, Filter, LowercaseFilter, NgramFilter, RegexTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.index import LockError

EXACT_BOOST = 2.0
PREFIX_MAX = 12
MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24


def normalise(text: str) -> str:
    """NFC, so composed and decomposed input index and match alike."""
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """Lower case without marks: `Đắk Lắk` → `dak lak`, `Élysée` → `elysee`."""
    text = text.lower().replace("đ", "d").replace("ð", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


class _NfcTokenizer(RegexTokenizer):
    # Offsets refer to the NFC text, which is also what the index stores for snippets.
    def __call__(self, value, **kwargs):
        return super().__call__(normalise(value), **kwargs)


class _FoldFilter(Filter):
    """Drops the marks of each token (stacked ones too) and folds đ → d; offsets stay."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


def _exact_analyzer():
    # No stop list and no minimum length: `an`, `to`, `may` are Vietnamese syllables.
    return _NfcTokenizer(r"\w+") | LowercaseFilter()


def _folded_analyzer():
    return _exact_analyzer() | _FoldFilter()


def _prefix_analyzer():
    # Edge n-grams of folded tokens: a prefix query is one term lookup, not an expansion.
    return _folded_analyzer() | NgramFilter(1, PREFIX_MAX, at="start")


def _pairs_analyzer(base):
    # Adjacent syllables as one term: a two-word phrase, the common case in Vietnamese,
    # becomes one posting-list look-up instead of a positional check of every candidate.
    return base | BiWordFilter(sep=" ")


def build_schema(facets: tuple[str, ...]) -> Schema:
    """The index layout: text in an exact and a folded field, prefixes, facets, a date."""
    schema = Schema(
        id=ID(unique=True, stored=True),
        digest=STORED(),
        exact=TEXT(analyzer=_exact_analyzer(), phrase=True),
        folded=TEXT(analyzer=_folded_analyzer(), phrase=True),
        exact2=TEXT(analyzer=_pairs_analyzer(_exact_analyzer()), phrase=False),
        folded2=TEXT(analyzer=_pairs_analyzer(_folded_analyzer()), phrase=False),
        prefix=TEXT(analyzer=_prefix_analyzer(), phrase=False),
        date=NUMERIC(int, bits=32, sortable=True, stored=False),
    )
    for name in facets:
        # Space-separated codes, as typed: the postings of each value give the facet sets.
        schema.add(f"fm_{name}", TEXT(analyzer=RegexTokenizer(r"\S+"), phrase=False))
    schema.add("text_*", STORED(), glob=True)
    return schema


@dataclass
class Query:
    """What a reader asked: words, filters by facet, order and page."""

    text: str = ""
    filters: dict = field(default_factory=dict)  # facet name → list of values, all required
    order: str = "relevance"  # or "date" (newest first) or "date_asc"
    page: int = 1
    per_page: int = 20
    facets: tuple = ()
    snippet_lang: str | None = None


@dataclass
class Hit:
    id: str
    score: float
    snippet: str | None


@dataclass
class Results:
    hits: list[Hit]
    total: int
    facets: dict  # facet name → {value: count}
    notice: str | None = None  # why part of the query was ignored, for the reader


# --- Query parsing -------------------------------------------------------------------------

_CLAUSE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_OPERATORS = {"and", "or", "not", "&&", "||", "+", "-", "*"}


def parse_text(text: str) -> tuple[wq.Query | None, bool, frozenset]:
    """Our own small syntax: words, "phrases", -exclusions, prefix*; never raises.

    Returns the query (None for "everything"), whether something was dropped, and the
    folded words to highlight.
    """
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in normalise(text))
    dropped = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    must, must_not, highlighted = [], [], set()
    for count, match in enumerate(_CLAUSE.finditer(text)):
        if count >= MAX_CLAUSES:
            dropped = True
            break
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            negated = word.startswith("-") and len(word) > 1
            word = word[1:] if negated else word
            if word.lower() in _OPERATORS:
                continue
            clause = _prefix_clause(word[:-1]) if word.endswith("*") else _text_clause(word)
        else:
            clause = _text_clause(phrase)
        if clause is not None:
            (must_not if negated else must).append(clause)
            if not negated:
                highlighted.update(_tokens(_FOLDED, phrase if word is None else word.rstrip("*")))
    if not must and not must_not:
        return None, dropped, frozenset()
    positive = wq.And(must) if must else wq.Every()
    return (wq.AndNot(positive, wq.Or(must_not)) if must_not else positive), dropped, frozenset(highlighted)


def _tokens(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text, mode="query")]


_EXACT, _FOLDED = _exact_analyzer(), _folded_analyzer()


def _field_clause(fieldname: str, words: list[str], boost: float = 1.0):
    if len(words) == 1:
        return wq.Term(fieldname, words[0], boost=boost)
    pairs = [wq.Term(f"{fieldname}2", f"{a} {b}", boost=boost) for a, b in zip(words, words[1:], strict=False)]
    if len(words) == 2:
        return pairs[0]
    # Longer phrases: the pairs narrow the candidates, the positional check confirms them.
    return wq.And([*pairs, wq.Phrase(fieldname, words, boost=0.0)])


def _text_clause(text: str):
    exact = _tokens(_EXACT, text)
    if not exact:
        return None
    folded = _tokens(_FOLDED, text)
    # A document matching the marks as typed scores in both fields, so it ranks first.
    return wq.Or([_field_clause("exact", exact, EXACT_BOOST), _field_clause("folded", folded)])


def _prefix_clause(text: str):
    folded = _tokens(_FOLDED, text)
    if not folded:
        return None
    *whole, last = folded
    parts = [_field_clause("folded", whole)] if whole else []
    if len(last) <= PREFIX_MAX:
        parts.append(wq.Term("prefix", last))
    else:
        parts.append(wq.Prefix("folded", last))
    return parts[0] if len(parts) == 1 else wq.And(parts)


# --- The index -----------------------------------------------------------------------------


class SearchIndex:
    """One index folder; `path` is a symlink to the live generation so a rebuild swaps it."""

    def __init__(self, path: str, facets: tuple[str, ...]):
        self.path = Path(path)
        self.facets = tuple(facets)
        self.schema = build_schema(self.facets)
        self._lock = threading.Lock()
        self._opened: tuple[str, object, object] | None = None  # (real path, index, searcher)
        self._facet_cache: tuple[object, dict] | None = None

    # Opening -------------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create an empty index if there is none yet."""
        if self.path.exists():
            return
        folder = self._new_generation()
        whoosh_index.create_in(folder, self.schema)
        self._swap_to(folder)

    def _new_generation(self) -> Path:
        folder = self.path.parent / f"{self.path.name}-{time.time_ns()}-{os.getpid()}"
        folder.mkdir(parents=True)
        return folder

    def _swap_to(self, folder: Path) -> Path | None:
        """Point `path` at `folder` with one atomic rename; returns the folder it replaced."""
        old = Path(os.path.realpath(self.path)) if self.path.is_symlink() else None
        link = self.path.parent / f".{self.path.name}.{os.getpid()}.link"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(folder.name)
        os.replace(link, self.path)
        return old

    def _open(self, real: str | None = None):
        # By the real folder: a writer opened before a swap must keep working in its own.
        self.ensure()
        return whoosh_index.open_dir(real or os.path.realpath(self.path))

    def searcher(self):
        """The long-lived searcher of this process, refreshed when the index changed."""
        real = os.path.realpath(self.path)
        with self._lock:
            if self._opened is None or self._opened[0] != real:
                self.ensure()
                real = os.path.realpath(self.path)
                ix = self._open(real)
                self._opened = (real, ix, ix.searcher())
            real, ix, searcher = self._opened
            if not searcher.up_to_date():
                # Not searcher.refresh(): it reuses segment readers by segment id and so
                # keeps their old deletions, showing an updated document twice.
                searcher = ix.searcher()
                self._opened = (real, ix, searcher)
            return searcher

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def try_writer(self):
        """Yield a writer, or None at once when another process holds the index lock."""
        try:
            writer = self._open().writer()
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
            writer.commit()
        else:
            writer.cancel()

    def rebuild(self, documents, procs: int = 1, on_document=None, keep_old: bool = False) -> Path | None:
        """Index `documents` into a fresh folder and swap it in; drop the old one unless kept.

        Returns the replaced folder when `keep_old` (pass it to `discard` later).
        """
        folder = self._new_generation()
        ix = whoosh_index.create_in(folder, self.schema)
        options = {"procs": procs, "multisegment": True, "limitmb": 128} if procs > 1 else {"limitmb": 128}
        writer = ix.writer(**options)
        try:
            for document in documents:
                writer.add_document(**self._fields(document))
                if on_document:
                    on_document()
        except BaseException:
            writer.cancel()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        writer.commit()
        old = self._swap_to(folder)
        if keep_old:
            return old
        self.discard(old)
        return None

    def discard(self, folder: Path | None) -> None:
        """Remove a replaced index folder (readers that still have it open keep working)."""
        if folder and folder != Path(os.path.realpath(self.path)):
            shutil.rmtree(folder, ignore_errors=True)

    def _fields(self, document: dict) -> dict:
        texts = {lang: normalise(text) for lang, text in (document.get("texts") or {}).items() if text}
        searchable = "\n".join([*texts.values(), normalise(document.get("extra") or "")])
        fields = {"id": document["id"], "digest": document.get("digest"), "exact": searchable,
                  "folded": searchable, "exact2": searchable, "folded2": searchable, "prefix": searchable,
                  "date": int(document.get("date") or 0)}  # fmt: skip
        for name in self.facets:
            values = [str(v) for v in (document.get("facets") or {}).get(name) or [] if v not in (None, "")]
            fields[f"fm_{name}"] = " ".join(values)
        for lang, text in texts.items():
            fields[f"text_{lang}"] = text
        return fields

    # Reading -------------------------------------------------------------------------------

    def digests(self) -> dict[str, str]:
        """Every indexed id with the digest it was indexed with."""
        searcher = self.searcher()
        return {fields["id"]: fields.get("digest") for fields in searcher.all_stored_fields()}

    def count(self) -> int:
        return self.searcher().doc_count()

    def search(self, request: Query) -> Results:
        """Top-k hits of one page, facet counts gathered in the same pass, snippets."""
        parsed, dropped, words = parse_text(request.text)
        searcher = self.searcher()
        filters = [
            wq.Term(f"fm_{name}", value)
            for name, values in request.filters.items()
            for value in values
            if name in self.facets and value
        ]
        query = parsed or wq.Every()
        if filters:
            query = wq.And([query, *filters])
        options = {}
        if request.order.startswith("date") or parsed is None:
            options["sortedby"] = sorting.FieldFacet("date", reverse=request.order != "date_asc")
        page = max(1, request.page)
        results = searcher.search(query, limit=page * request.per_page, **options)
        start = (page - 1) * request.per_page
        hits = [
            Hit(hit["id"], float(hit.score or 0.0), _snippet(hit.fields(), words, request.snippet_lang))
            for hit in results[start : start + request.per_page]
        ]
        names = [name for name in request.facets if name in self.facets]
        facets = self._facet_counts(searcher, results.docs(), names) if names else {}
        return Results(hits, len(results), facets, "dropped" if dropped else None)

    def _facet_counts(self, searcher, docset, names) -> dict:
        # Counting per hit in Python (Whoosh's groupedby) costs ~0.1 ms a hit; intersecting
        # the hit set with each value's document set is done by C code instead.
        sets = self._facet_sets(searcher)
        counts = {}
        for name in names:
            found = {value: len(docset & docs) for value, docs in sets[name].items()}
            counts[name] = {value: n for value, n in found.items() if n}
        return counts

    def _facet_sets(self, searcher) -> dict:
        """value → frozenset of document numbers, per facet; built once per searcher."""
        with self._lock:
            cached = self._facet_cache
            if cached and cached[0] is searcher:
                return cached[1]
        reader = searcher.reader()
        sets = {}
        for name in self.facets:
            fieldname = f"fm_{name}"
            sets[name] = {
                value.decode("utf-8"): frozenset(searcher.docs_for_query(wq.Term(fieldname, value.decode("utf-8"))))
                for value in reader.lexicon(fieldname)
            }
        with self._lock:
            self._facet_cache = (searcher, sets)
        return sets


class _Writer:
    """The few writing operations the app needs."""

    def __init__(self, writer, index: SearchIndex):
        self._writer = writer
        self._index = index
        self.changed = False

    def upsert(self, document: dict) -> None:
        self.changed = True
        self._writer.update_document(**self._index._fields(document))

    def delete(self, doc_id: str) -> None:
        self.changed = True
        self._writer.delete_by_term("id", doc_id)


_indexes: dict[tuple, SearchIndex] = {}
_indexes_lock = threading.Lock()


def get_index(path: str, facets: tuple[str, ...]) -> SearchIndex:
    """The one SearchIndex object of this process for that folder (it keeps the searcher)."""
    # abspath, not resolve(): `path` is a symlink that a rebuild re-points.
    key = (os.path.abspath(path), tuple(facets), os.getpid())
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = SearchIndex(path, facets)
        return _indexes[key]


__all__ = ["Query", "Results", "Hit", "SearchIndex", "get_index", "fold", "normalise", "parse_text", "LockError"]


def _snippet(fields: dict, words: frozenset, lang: str | None) -> str | None:
    """Escaped HTML around the matched words, from the reader's language first, then Vietnamese."""
    if not words:
        return None
    keys = [f"text_{lang}", f"text_{lang.split('-')[0]}"] if lang else []
    keys += ["text_vi", *sorted(k for k in fields if k.startswith("text_"))]
    for key in dict.fromkeys(keys):
        if fields.get(key):
            snippet = highlight(fields[key], words, _FOLDED, _FRAGMENTER, _FORMATTER, top=2)
            if snippet:
                return snippet
    return None


_FRAGMENTER = ContextFragmenter(maxchars=160, surround=60)
_FORMATTER = HtmlFormatter(tagname="mark", classname="hl", between=" … ")
