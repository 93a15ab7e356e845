"""What the PostgreSQL engine stores of a document, and a query tree turned into its SQL and scores.

Documents are analysed by core.search.analysis as for every engine; PostgreSQL does no analysis
of its own (no stemming, no stop words, no `unaccent`: folding is ours, identical across
engines). Each term becomes a lexeme of one `tsvector` (its field's letter before it: `e`
words with their marks, `f` folded, `p` pairs, `x` prefixes; `v` a facet value), matched by a
`tsquery` through a GIN index. What PostgreSQL's ranking lacks is BM25 (ts_rank knows neither
document frequencies nor field lengths), so it returns, per hit, only the little scoring needs —
the document's number, date and field lengths, and how often each query term occurs — packed
into one `bytea` per part of the query, and numpy scores, orders and counts facets as
core.search.ranking does for Whoosh: the same formula and constants.

How often a term occurs: a second, small `tsvector` (`rep`) holds the document's terms found
twice or more (its REP_MAX most repeated), with one position per occurrence (up to PostgreSQL's
256), so `ts_rank` of one term over it is a known function of that count (H₂(tf)/ζ(2)) that
`_tf` inverts exactly. Each repeated term also has a marker lexeme in the `tsvector` (its field's
letter in capitals), and a query is run in parts (`partitions`), each a tsquery saying which of
the optional terms its rows hold (the words with their marks as typed, a prefix's two forms) and
which terms they hold once: rows holding every term once — most hits of a common word — send
their head alone; only the others are read by `ts_rank`.

Phrases of three words or more are checked on `seq`, the document's folded words joined by
spaces (in a table of its own, read for the candidates only): `strpos` is exact at any length,
where a tsvector keeps no position past 16,383 and at most 256 per word.
"""

import itertools
import logging
import struct
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from core.search import ranking as r
from core.search import schema as doc

CODES = {doc.EXACT: "e", doc.FOLDED: "f", doc.PAIRS: "p", doc.PREFIXES: "x"}
FIELDS = tuple(f.name for f in doc.SEARCHED)  # the order of a row's lengths
COUNTED = FIELDS  # fields whose terms' repeats a row keeps (prefixes too: a prefix query ranks by them)
FACET = "v"
FIELD_CODES = ", ".join(f"'{code}'" for code in CODES.values())  # SQL: the lexemes document frequencies count
MAX_LEXEME_BYTES = 1000  # PostgreSQL refuses lexemes of 2 KB; a longer word is cut, alike when asked
TSVECTOR_BUDGET = 1_000_000  # the lexemes of one tsvector take under 1 MB (PostgreSQL's MAXSTRPOS)
REP_MAX = 512  # a document's repeated terms given their counts; the tail counts twice (once if not split on)
MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions of a lexeme: counts stop there
MAX_SPLITS = 3  # optional terms a query is split on (2³ parts); more are looked up row by row
MAX_PARTS = 8  # parts a query is run in: each reads its terms' GIN entries again
SEQ = "(SELECT s.seq FROM {t}seqs s WHERE s.n = d.n)"  # a candidate's folded words; `{t}` its tables, `d` its row
ZETA2 = np.pi**2 / 6
LENS = struct.Struct(f"<{len(FIELDS)}i")
HEAD = struct.Struct(f"<ii{len(FIELDS)}i")  # number, date, lengths: what every hit sends first
log = logging.getLogger(__name__)


def lexeme(field_name: str, term: str) -> str:
    """The lexeme of `term` in a searched field: the field's letter, then the term."""
    text = CODES[field_name] + term
    if len(text) > MAX_LEXEME_BYTES // 4 and len(encoded := text.encode("utf-8")) > MAX_LEXEME_BYTES:
        text = encoded[:MAX_LEXEME_BYTES].decode("utf-8", errors="ignore")
    return text


def mark(lex: str) -> str:
    """The lexeme a row holds when it holds `lex` more than once."""
    return lex[0].upper() + lex[1:]


def facet_lexeme(name: str, value: str) -> str:
    """The lexeme a facet filter looks up."""
    return f"{FACET}{name}={value}"[: MAX_LEXEME_BYTES // 4]


def quoted(text: str) -> str:
    """A lexeme as tsvector and tsquery input read it: quoted, so spaces and `:` stay inside."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


# --- Index time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A document as the engine stores it (plain data: made in worker processes)."""

    id: str
    digest: str | None
    date: int  # YYYYMMDD, 0 when unknown
    lens: bytes  # each searched field's number of terms, packed (LENS)
    facets: tuple  # (facet, value) pairs, each once
    tsv: str  # tsvector input: every distinct lexeme, facet values included
    rep: str  # tsvector input: the repeated lexemes, a position per occurrence
    seq: str  # the folded words, space-separated, with a space at each end
    cut: bool  # pairs left out of `tsv` (a text of megabytes): found through `seq` instead
    lexemes: tuple  # the searched fields' lexemes in `tsv`, for document frequencies


def analysed(document: doc.Document, facets: tuple[str, ...]) -> Row:
    """The row of `document`: our terms, as every engine indexes them."""
    fields = doc.document_fields(document, facets)
    counts = {name: Counter(lexeme(name, term) for term in fields[name]) for name in FIELDS}
    budget, lexemes = TSVECTOR_BUDGET, []
    for name in (doc.FOLDED, doc.EXACT, doc.PREFIXES):
        for lex, _n in sorted(counts[name].items(), key=lambda item: -item[1]):
            budget -= len(lex.encode("utf-8")) + 1
            if budget < 0:  # tens of thousands of distinct words: texts of many megabytes
                log.warning("document %s: its words past PostgreSQL's tsvector limit are not indexed", fields["id"])
                break
            lexemes.append(lex)
    # A repeated term also has its marker (its field's letter in capitals), so a query can ask for
    # the rows holding a term once apart, and read counts only of the others.
    kept = set(lexemes)
    markers = [mark(lex) for name in COUNTED if name != doc.PAIRS for lex, n in counts[name].items()
               if n > 1 and lex in kept]  # fmt: skip
    budget -= sum(len(m.encode("utf-8")) + 1 for m in markers)
    # Pairs last: a text too long for them is found through `seq` instead.
    pair_markers = [mark(lex) for lex, n in counts[doc.PAIRS].items() if n > 1]
    cut = sum(len(lex.encode("utf-8")) + 1 for lex in itertools.chain(counts[doc.PAIRS], pair_markers)) > budget
    if not cut:
        lexemes += counts[doc.PAIRS]
        markers += pair_markers
    values = tuple(dict.fromkeys((name, value) for name in facets
                                 for value in fields[doc.facet_field(name)].split()))  # fmt: skip
    lexemes = tuple(lexemes)
    repeated = sorted(((n, lex) for name in COUNTED for lex, n in counts[name].items() if n > 1), reverse=True)
    rep = " ".join(f"{quoted(lex)}:{','.join(map(str, range(1, min(n, MAX_POSITIONS) + 1)))}"
                   for n, lex in repeated[:REP_MAX])  # fmt: skip
    facet_lexemes = (quoted(facet_lexeme(*v)) for v in values)
    tsv = " ".join(itertools.chain(map(quoted, lexemes), map(quoted, markers), facet_lexemes))
    return Row(fields["id"], fields.get("digest"), fields["date"], LENS.pack(*(len(fields[n]) for n in FIELDS)),
               values, tsv, rep, f" {' '.join(fields[doc.FOLDED])} ", cut, lexemes)  # fmt: skip


def head(n: int, row: Row) -> bytes:
    """A row's `head`: its number, date and field lengths, as a hit sends them."""
    return HEAD.pack(n, row.date, *LENS.unpack(row.lens))


def lens_of(packed_head: bytes) -> tuple:
    """The field lengths of a `head`."""
    return HEAD.unpack(packed_head)[2:]


# --- Query time: matching --------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A term (or a prefix) of the query whose presence and count a hit reports."""

    lexeme: str
    prefix: bool = False

    @property
    def tsquery(self) -> str:
        return quoted(self.lexeme) + (":*" if self.prefix else "")

    @property
    def repeated(self) -> str:
        """The tsquery of the rows holding the key more than once."""
        return quoted(mark(self.lexeme))

    @property
    def counted(self) -> bool:
        """Whether a hit reports how often it holds the key (a term), not only whether it does (a prefix)."""
        return not self.prefix


def key_of(node) -> Key:
    if isinstance(node, r.Prefix):
        return Key(lexeme(node.field, node.prefix), prefix=True)
    return Key(lexeme(node.field, node.text))


def scored(node, required: bool = True, out: dict | None = None) -> dict[Key, bool]:
    """The keys whose presence decides a hit's score, each with whether every hit holds it."""
    out = {} if out is None else out
    if isinstance(node, r.Term | r.Prefix):
        out[key_of(node)] = out.get(key_of(node), False) or required
    elif isinstance(node, r.AllOf):
        for part in node.parts:
            scored(part, required, out)
    elif isinstance(node, r.AnyOf):
        for part in node.parts:
            scored(part, required and len(node.parts) == 1, out)
    elif isinstance(node, r.Without):
        scored(node.include, required, out)
    elif isinstance(node, r.Boosted):
        scored(node.required, required, out)
        scored(node.optional, False, out)
    return out


def _words(node: r.Phrase) -> str:
    return " & ".join(quoted(lexeme(doc.FOLDED, word)) for word in node.words)


def necessary(node, pairs_as_words: bool = False) -> str | None:
    """A tsquery every match of `node` satisfies (None: no condition), exact but for phrases
    (their words only) and, with `pairs_as_words`, pairs (their two words)."""
    if isinstance(node, r.Term):
        if pairs_as_words and node.field == doc.PAIRS and " " in node.text:
            return " & ".join(quoted(lexeme(doc.FOLDED, w)) for w in node.text.split(" "))
        return key_of(node).tsquery
    if isinstance(node, r.Prefix):
        return key_of(node).tsquery
    if isinstance(node, r.Phrase):
        return _words(node)
    if isinstance(node, r.Boosted):
        return necessary(node.required, pairs_as_words)
    if isinstance(node, r.AllOf | r.AnyOf):
        parts = [necessary(part, pairs_as_words) for part in node.parts]
        if isinstance(node, r.AnyOf) and None in parts:
            return None
        parts = [p for p in parts if p is not None]
        return f"({(' & ' if isinstance(node, r.AllOf) else ' | ').join(parts)})" if parts else None
    if isinstance(node, r.Without):
        include = necessary(node.include, pairs_as_words)
        if _has_phrase(node.exclude) or (pairs_as_words and _has_pairs(node.exclude)):
            return include  # the exclusion is checked row by row
        exclude = f"!{necessary(node.exclude)}"
        return f"({include} & {exclude})" if include else exclude
    return None  # Everything


def _walk(node):
    yield node
    for child in getattr(node, "parts", ()):
        yield from _walk(child)
    for name in ("include", "exclude", "required", "optional"):
        if hasattr(node, name):
            yield from _walk(getattr(node, name))


def _has_phrase(node) -> bool:
    return any(isinstance(n, r.Phrase) for n in _walk(node))


def _has_pairs(node) -> bool:
    return any(isinstance(n, r.Term) and n.field == doc.PAIRS for n in _walk(node))


def _conjunctive_phrases(node, out: list) -> bool:
    """Collect the phrases every match must hold; False if some phrase is elsewhere (under an
    alternative or an exclusion), where only a check row by row is exact."""
    if isinstance(node, r.Phrase):
        out.append(node)
        return True
    if isinstance(node, r.AllOf):
        return all(_conjunctive_phrases(part, out) for part in node.parts)
    if isinstance(node, r.Boosted):
        return _conjunctive_phrases(node.required, out) and not _has_phrase(node.optional)
    if isinstance(node, r.Without):
        return _conjunctive_phrases(node.include, out) and not _has_phrase(node.exclude)
    return not _has_phrase(node)


def phrase_text(words) -> str:
    return f" {' '.join(words)} "


def row_check(node, params: list, cut: bool = False) -> str:
    """An SQL condition exact for one row (reads its tsvector: for few candidates only)."""
    if isinstance(node, r.Term | r.Prefix):
        params.append(key_of(node).tsquery)
        check = "tsv @@ %s::tsquery"
        if cut and isinstance(node, r.Term) and node.field == doc.PAIRS and " " in node.text:
            params.append(phrase_text(node.text.split(" ")))
            check = f"({check} OR strpos({SEQ}, %s) > 0)"
        return check
    if isinstance(node, r.Phrase):
        params.append(phrase_text(node.words))
        return f"strpos({SEQ}, %s) > 0"
    if isinstance(node, r.AllOf | r.AnyOf):
        joiner = " AND " if isinstance(node, r.AllOf) else " OR "
        return "(" + joiner.join(row_check(part, params, cut) for part in node.parts) + ")"
    if isinstance(node, r.Without):
        return f"({row_check(node.include, params, cut)} AND NOT {row_check(node.exclude, params, cut)})"
    if isinstance(node, r.Boosted):
        return row_check(node.required, params, cut)
    return "TRUE"


@dataclass
class Part:
    """One part of a query: its condition, and the keys every row of it holds or lacks."""

    where: str
    params: list
    present: frozenset = frozenset()
    absent: frozenset = frozenset()
    row_keys: tuple = ()  # keys whose presence each row reports itself
    cut: bool = False
    once: frozenset = frozenset()  # keys every row of the part holds exactly once
    many: frozenset = frozenset()  # keys every row of the part holds more than once


def _and(*queries) -> str | None:
    queries = [q for q in queries if q]
    return " & ".join(f"({q})" for q in queries) if queries else None


def partitions(tree, filters: list[str], cut_docs: bool, keys: dict[Key, bool]) -> list[Part]:
    """The query's parts: disjoint sets of rows whose union is the hits, each saying which of
    the optional keys its rows hold; documents whose pairs were left out (`cut`) in a part of
    their own, checked row by row."""
    facet_query = _and(*(quoted(f) for f in filters))
    cut_part = cut_docs and tree is not None and _has_pairs(tree)
    phrases: list = []
    if tree is None:
        base, extra, extra_params = facet_query, "", []
    elif _conjunctive_phrases(tree, phrases):
        base = _and(necessary(tree), facet_query)
        extra = "".join(f" AND strpos({SEQ}, %s) > 0" for _ in phrases)
        extra_params = [phrase_text(p.words) for p in phrases]
    else:
        base = _and(necessary(tree), facet_query)
        extra_params = []
        extra = " AND " + row_check(tree, extra_params)
    optional = [key for key, required in keys.items() if not required]
    split, by_row = optional[:MAX_SPLITS], tuple(optional[MAX_SPLITS:])
    # Each dimension splits the rows by one key: absent or present (an optional key), and once
    # asked, present once or more (a counted key): the rows holding their terms once, most rows of
    # a common word, then send no count at all. As many as MAX_PARTS parts allow, optional keys first.
    dimensions = {key: ["absent", "present"] for key in split}
    size = 2 ** len(split)
    for key in keys:
        if key.counted and key not in by_row:
            grown = size // 2 * 3 if key in dimensions else size * 2
            if grown <= MAX_PARTS:
                dimensions[key] = ["absent", "once", "many"] if key in dimensions else ["once", "many"]
                size = grown
    parts = []
    for states in itertools.product(*dimensions.values()):
        state = dict(zip(dimensions, states, strict=True))
        absent = frozenset(k for k, v in state.items() if v == "absent")
        present = frozenset(k for k, v in state.items() if v != "absent" and k in split)
        if tree is not None and not _possible(tree, absent):
            continue  # a prefix's two forms both absent, say: no row can match
        conditions = [f"!{k.tsquery}" for k in absent] + [k.tsquery for k in present]
        conditions += [f"!{k.repeated}" for k, v in state.items() if v == "once"]
        conditions += [k.repeated for k, v in state.items() if v == "many"]
        query = _and(base, *conditions)
        where = ("tsv @@ %s::tsquery" if query else "TRUE") + extra + (" AND NOT cut" if cut_part else "")
        once = frozenset(k for k, v in state.items() if v == "once")
        many = frozenset(k for k, v in state.items() if v == "many")
        parts.append(Part(where, ([query] if query else []) + extra_params, present, absent, by_row, once=once,
                          many=many))  # fmt: skip
    if cut_part:
        params: list = []
        query = _and(necessary(tree, pairs_as_words=True), facet_query)
        where = ("tsv @@ %s::tsquery AND " if query else "") + "cut AND " + row_check(tree, params, cut=True)
        parts.append(Part(where, ([query] if query else []) + params, row_keys=tuple(optional), cut=True))
    return parts


def _possible(node, absent: frozenset) -> bool:
    """Whether a row lacking the `absent` keys may still match `node`."""
    if isinstance(node, r.Term | r.Prefix):
        return key_of(node) not in absent
    if isinstance(node, r.AllOf | r.AnyOf):
        found = (_possible(part, absent) for part in node.parts)
        return all(found) if isinstance(node, r.AllOf) else any(found)
    if isinstance(node, r.Without):
        return _possible(node.include, absent)
    if isinstance(node, r.Boosted):
        return _possible(node.required, absent)
    return True


def record_sql(part: Part, keys: list[Key], scoring: bool) -> tuple[str, list, tuple]:
    """What each row of a part sends: its `head` (number, date, field lengths), and when scoring
    a float for each key the part leaves open (ts_rank over `rep`, see `decode`); returns the SQL,
    its parameters and those keys. The rows of a part that says everything send their head alone."""
    sql, params, sent = "head", [], []
    if not scoring:
        return sql, params, ()
    for key in keys:
        if key in part.absent or key in part.once or (not key.counted and _known(part, key)):
            continue  # the part says it all
        params.append(key.tsquery)
        if not key.counted:  # a prefix whose presence each row says: only presence counts
            sql += f" || float4send(CASE WHEN tsv @@ %s::tsquery THEN {PRESENT_ONCE} ELSE 0 END::float4)"
            sent.append(key)
            continue
        rank = "ts_rank('{1,1,1,1}', rep, %s::tsquery)"
        if key in part.row_keys:
            params.append(key.tsquery)
            check = "tsv @@ %s::tsquery"
            if part.cut and key.lexeme.startswith(CODES[doc.PAIRS]) and " " in key.lexeme:
                params.append(phrase_text(key.lexeme[1:].split(" ")))
                check = f"({check} OR strpos({SEQ}, %s) > 0)"
            rank = f"CASE WHEN {check} THEN greatest({rank}, {PRESENT_ONCE}) ELSE 0 END"
        sql += f" || float4send({rank})"
        sent.append(key)
    return sql, params, tuple(sent)


def _known(part: Part, key: Key) -> bool:
    """Whether every row of the part holds `key` (none does if it is absent)."""
    return key in part.present or (key not in part.absent and key not in part.row_keys)


PRESENT_ONCE = 0.25  # what a row reports for a key it holds once, when nothing else says so


# --- Query time: scores ----------------------------------------------------------------------


@dataclass
class Hits:
    """Every hit of a query, as arrays in the order of their document numbers."""

    n: np.ndarray
    date: np.ndarray
    lens: np.ndarray | None = None  # int32[hits, len(FIELDS)]
    counts: dict = field(default_factory=dict)  # Key → int32[hits], 0 where absent


def decode(parts: list[tuple[Part, tuple, bytes]], keys: list[Key], scoring: bool) -> Hits:
    """The hits of every part, from the records `record_sql` made (`sent`: the keys each row reports)."""
    head = [("n", "<i4"), ("date", "<i4"), ("lens", "<i4", (len(FIELDS),))]
    chunks = []
    for part, sent, records in parts:
        rows = np.frombuffer(records or b"", dtype=np.dtype(head + [("v", ">f4", (len(sent),))]))
        counts = np.zeros((len(rows), len(keys)), dtype=np.int32)
        for j, key in enumerate(keys if scoring else ()):
            known = _known(part, key)
            if key not in sent:
                counts[:, j] = (2 if key in part.many else 1) if known else 0
                continue
            values = rows["v"][:, sent.index(key)].astype(np.float64)
            if key.counted:  # a repeated term past the row's REP_MAX counts twice
                counts[:, j] = _tf(values, known, 2 if key in part.many else 1)
            else:
                counts[:, j] = values > 0
        chunks.append((rows[["n", "date", "lens"]], counts))
    if not chunks:
        chunks = [(np.zeros(0, dtype=np.dtype(head)), np.zeros((0, len(keys)), dtype=np.int32))]
    n = np.concatenate([c[0]["n"] for c in chunks])
    order = np.argsort(n, kind="stable")
    hits = Hits(n[order].astype(np.int64), np.concatenate([c[0]["date"] for c in chunks])[order].astype(np.int64))
    if scoring:
        counts = np.concatenate([c[1] for c in chunks])[order]
        hits.lens = np.concatenate([c[0]["lens"] for c in chunks])[order]
        hits.counts = {key: counts[:, j] for j, key in enumerate(keys)}
    return hits


def _tf(values: np.ndarray, known_present: bool, least: int = 1) -> np.ndarray:
    """Occurrences from ts_rank over `rep`: H₂(tf)/ζ(2) for a term found tf ≥ 2 times, whose
    tail ζ(2) − H₂(tf) is 1/(tf + ½) to within a hundredth; PRESENT_ONCE or 0 otherwise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        many = np.rint(1 / (ZETA2 * (1 - values)) - 0.5)
    once = least if known_present else 0
    return np.where(values >= 0.7, np.clip(many, 2, MAX_POSITIONS), np.where(values > 0, least, once)).astype(np.int32)


@dataclass(frozen=True)
class Statistics:
    """What BM25 needs of the whole index: documents, average field lengths, frequencies."""

    docs: int
    average: dict  # field → average length
    df: dict  # lexeme → documents holding it


def scores(tree, hits: Hits, stats: Statistics) -> np.ndarray:
    """Every hit's score, as core.search.ranking.evaluate gives it."""
    return _evaluate(tree, hits, stats)[1]


def _evaluate(node, hits: Hits, stats: Statistics) -> tuple[np.ndarray, np.ndarray]:
    size = len(hits.n)
    if isinstance(node, r.Term):
        tf = hits.counts[key_of(node)]
        mask = tf > 0
        column = FIELDS.index(node.field)
        df = max(1, stats.df.get(key_of(node).lexeme, 0))
        lengths = hits.lens[:, column].astype(np.float64)
        idf = np.log1p((stats.docs - df + 0.5) / (df + 0.5))
        norm = r.K1 * ((1 - r.B) + r.B * lengths / max(stats.average[node.field], 1e-9))
        value = (idf * tf * (r.K1 + 1) / (tf + norm)).astype(np.float32) * node.boost
        return mask, np.where(mask, value, 0).astype(np.float32)
    if isinstance(node, r.Prefix):
        mask = hits.counts[key_of(node)] > 0
        return mask, mask.astype(np.float32) * node.boost
    if isinstance(node, r.AnyOf | r.AllOf):
        mask, total = _evaluate(node.parts[0], hits, stats)
        for part in node.parts[1:]:
            other_mask, other = _evaluate(part, hits, stats)
            mask = (mask | other_mask) if isinstance(node, r.AnyOf) else (mask & other_mask)
            total = total + other
        return mask, total
    if isinstance(node, r.Without):  # every hit passed the exclusion
        return _evaluate(node.include, hits, stats)
    if isinstance(node, r.Boosted):
        mask, total = _evaluate(node.required, hits, stats)
        optional_mask, optional = _evaluate(node.optional, hits, stats)
        return mask, total + np.where(mask & optional_mask, optional, 0).astype(np.float32)
    # A phrase is a check every hit passed; Everything matches all.
    return np.ones(size, dtype=bool), np.zeros(size, dtype=np.float32)
