"""Query evaluation over whole posting lists with numpy: matching, BM25, order, facet counts.

An engine (core/search/whoosh_engine.py) reads posting lists out of its index and hands them
over as arrays (a `Source`); a query tree (core/search/query.py) becomes a mask of matching
documents and a vector of scores in a few vector operations. A term found in half the archive
then costs about as much as a rare one, and facet counts are one gather and one bincount
over the hits (`FacetColumn`) instead of a pass over every hit in Python.
"""

from dataclasses import dataclass
from typing import Protocol

import numpy as np

K1 = 1.2
B = 0.75
MAX_EXPANSION = 2000  # prefix terms unioned at most; longer prefixes have far fewer


# --- The query tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class AnyOf:
    parts: tuple


@dataclass(frozen=True)
class AllOf:
    parts: tuple


@dataclass(frozen=True)
class Without:
    include: object
    exclude: object


@dataclass(frozen=True)
class Boosted:
    """Documents matching `required`; those also matching `optional` score its score on top."""

    required: object
    optional: object


@dataclass(frozen=True)
class Phrase:
    """Words at consecutive positions; a check, so it adds no score."""

    field: str
    words: tuple


@dataclass(frozen=True)
class Prefix:
    """Every term of `field` starting with `prefix`, matched at a constant score."""

    field: str
    prefix: str
    boost: float = 1.0


@dataclass(frozen=True)
class Everything:
    pass


class Source(Protocol):
    """What evaluation needs from an index snapshot."""

    size: int  # document numbers run from 0 to size - 1, deleted ones included
    alive: np.ndarray  # bool[size]
    count: int  # alive documents

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]: ...  # ids, term frequencies
    def lengths(self, field: str) -> tuple[np.ndarray, float]: ...  # length per document, average
    def expand(self, field: str, prefix: str) -> list[str]: ...
    def phrase(self, field: str, words: tuple) -> np.ndarray: ...


# --- Evaluation ----------------------------------------------------------------------------


def evaluate(node, source: Source) -> tuple[np.ndarray, np.ndarray]:
    """(bool mask of matching documents, float32 scores) for a query tree."""
    if isinstance(node, Term):
        return _term(node, source)
    if isinstance(node, AnyOf | AllOf):
        mask, scores = evaluate(node.parts[0], source)
        for part in node.parts[1:]:
            other_mask, other_scores = evaluate(part, source)
            mask = (mask | other_mask) if isinstance(node, AnyOf) else (mask & other_mask)
            scores = scores + other_scores
        return mask, scores
    if isinstance(node, Without):
        mask, scores = evaluate(node.include, source)
        return mask & ~evaluate(node.exclude, source)[0], scores
    if isinstance(node, Boosted):
        mask, scores = evaluate(node.required, source)
        optional_mask, optional_scores = evaluate(node.optional, source)
        return mask, scores + np.where(mask & optional_mask, optional_scores, 0).astype(np.float32)
    if isinstance(node, Phrase):
        mask = np.zeros(source.size, dtype=bool)
        mask[source.phrase(node.field, node.words)] = True
        return mask, np.zeros(source.size, dtype=np.float32)
    if isinstance(node, Prefix):
        mask = np.zeros(source.size, dtype=bool)
        for text in source.expand(node.field, node.prefix)[:MAX_EXPANSION]:
            mask[source.postings(node.field, text)[0]] = True
        return mask, mask.astype(np.float32) * node.boost
    if isinstance(node, Everything):
        return np.ones(source.size, dtype=bool), np.zeros(source.size, dtype=np.float32)
    raise TypeError(f"not a query node: {node!r}")


def _term(node: Term, source: Source) -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros(source.size, dtype=bool)
    scores = np.zeros(source.size, dtype=np.float32)
    ids, frequencies = source.postings(node.field, node.text)
    live = source.alive[ids]  # posting lists keep deleted documents until a merge
    ids, frequencies = ids[live], frequencies[live]
    if len(ids):
        mask[ids] = True
        scores[ids] = bm25(frequencies, len(ids), source.count, *source.lengths(node.field), ids) * node.boost
    return mask, scores


def bm25(frequencies, df: int, doc_count: int, lengths: np.ndarray, average: float, ids) -> np.ndarray:
    """Okapi BM25 of one term for the documents `ids` that hold it `frequencies` times."""
    idf = np.log1p((doc_count - df + 0.5) / (df + 0.5))
    norm = K1 * ((1 - B) + B * lengths[ids] / max(average, 1e-9))
    return (idf * frequencies * (K1 + 1) / (frequencies + norm)).astype(np.float32)


# --- Order and counts ----------------------------------------------------------------------


def top(mask: np.ndarray, keys: np.ndarray, limit: int, ascending: bool = False,
        candidates: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """The first `limit` documents of `mask` by `keys` (highest first unless ascending).

    Ties go to the lower document number, so paging is stable. `candidates`, when given, are
    the documents of `mask` (np.flatnonzero), found once for the page and the facets.
    """
    candidates = np.flatnonzero(mask) if candidates is None else candidates
    if not len(candidates) or limit <= 0:
        return candidates[:0]
    values = keys[candidates] if ascending else -keys[candidates].astype(np.float64)
    if len(candidates) > limit:
        # Everything tied with the last kept value stays in, so the tie-break below is exact.
        kth = np.partition(values, limit - 1)[limit - 1]
        keep = values <= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, values))
    return candidates[order[:limit]]


def facet_counts(mask: np.ndarray, values: dict[str, np.ndarray]) -> dict[str, int]:
    """value → number of documents of `mask` that have it (values with none left out)."""
    return FacetColumn.from_postings(values, len(mask)).counts(mask)


@dataclass(frozen=True)
class FacetColumn:
    """One facet's values per document, as numbers, so counting is a gather and a bincount
    over the hits instead of a pass over every document per value (63 places, a million
    documents).

    `first[d]` is the number of document d's first value, or len(names) when it has none;
    documents with several values (an item's terms) have the others as `rest` pairs.
    """

    names: tuple[str, ...]
    first: np.ndarray  # int32[size]
    rest_docs: np.ndarray  # int64, the documents of further values
    rest_values: np.ndarray  # int32, their value numbers

    @classmethod
    def from_postings(cls, values: dict[str, np.ndarray], size: int) -> "FacetColumn":
        """The column of `values` (value → the numbers of the documents that have it)."""
        names = tuple(values)
        docs = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in values.values()] or [_NO_DOCS])
        numbers = np.repeat(np.arange(len(names), dtype=np.int32), [len(ids) for ids in values.values()])
        order = np.argsort(docs, kind="stable")
        docs, numbers = docs[order], numbers[order]
        leading = np.ones(len(docs), dtype=bool)
        leading[1:] = docs[1:] != docs[:-1]
        first = np.full(size, len(names), dtype=np.int32)
        first[docs[leading]] = numbers[leading]
        return cls(names, first, docs[~leading], numbers[~leading])

    @classmethod
    def joined(cls, parts: list[tuple["FacetColumn", int]], size: int) -> "FacetColumn":
        """One column for documents numbered across `parts` (column, first document number)."""
        names = tuple(dict.fromkeys(name for column, _offset in parts for name in column.names))
        number = {name: n for n, name in enumerate(names)}
        first = np.full(size, len(names), dtype=np.int32)
        rest_docs, rest_values = [_NO_DOCS], [_NO_VALUES]
        for column, offset in parts:
            # The part's value numbers, and its "none", in the joined numbering.
            mapping = np.array([number[name] for name in column.names] + [len(names)], dtype=np.int32)
            first[offset : offset + len(column.first)] = mapping[column.first]
            rest_docs.append(column.rest_docs + offset)
            rest_values.append(mapping[column.rest_values])
        return cls(names, first, np.concatenate(rest_docs), np.concatenate(rest_values))

    def counts(self, mask: np.ndarray, hits: np.ndarray | None = None) -> dict[str, int]:
        """value → number of documents of `mask` that have it (values with none left out);
        `hits`, when given, are the documents of `mask` (np.flatnonzero), found once for all facets."""
        hits = np.flatnonzero(mask) if hits is None else hits
        size = len(self.names)
        counts = np.bincount(self.first[hits], minlength=size + 1)[:size]
        if len(self.rest_docs):
            counts = counts + np.bincount(self.rest_values[mask[self.rest_docs]], minlength=size)
        return {self.names[n]: int(counts[n]) for n in np.flatnonzero(counts)}


_NO_DOCS = np.zeros(0, dtype=np.int64)
_NO_VALUES = np.zeros(0, dtype=np.int32)


def ids_mask(size: int, *id_arrays: np.ndarray) -> np.ndarray:
    """A mask with the documents of every array set."""
    mask = np.zeros(size, dtype=bool)
    for ids in id_arrays:
        mask[ids] = True
    return mask
