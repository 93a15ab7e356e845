"""Query evaluation over whole posting lists with numpy: matching, BM25, order, facet counts.

An engine (core/search/whoosh_engine.py) reads posting lists out of its index and hands them
over as arrays (a `Source`); a query tree (core/search/query.py) becomes a mask of matching
documents and a vector of scores in a few vector operations. A term found in half the archive
then costs about as much as a rare one, and facet counts are one gather per value instead of
a pass over every hit in Python.
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


def top(mask: np.ndarray, keys: np.ndarray, limit: int, ascending: bool = False) -> np.ndarray:
    """The first `limit` documents of `mask` by `keys` (highest first unless ascending).

    Ties go to the lower document number, so paging is stable.
    """
    candidates = np.flatnonzero(mask)
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
    counts = {}
    for value, ids in values.items():
        n = int(np.count_nonzero(mask[ids]))
        if n:
            counts[value] = n
    return counts


def ids_mask(size: int, *id_arrays: np.ndarray) -> np.ndarray:
    """A mask with the documents of every array set."""
    mask = np.zeros(size, dtype=bool)
    for ids in id_arrays:
        mask[ids] = True
    return mask
