"""The engine interface: what the app asks of a full-text index, whatever keeps it.

Two implementations: core/search/tantivy_engine.py (the only importer of `tantivy`, the
default: a million records answer under 100 ms) and core/search/whoosh_engine.py (the only
importer of `whoosh`), named in `ENGINES` and chosen by the SEARCH_ENGINE setting; each passes
the contract tests (tests/core/search/test_contract.py). A PostgreSQL full-text engine would
be a third module beside them.
"""

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from core.search import tantivy_engine, whoosh_engine
from core.search.query import Query, Results
from core.search.schema import Document


@runtime_checkable
class IndexWriter(Protocol):
    """The changes of one index commit; nothing is seen by readers until the block ends."""

    def upsert(self, document: Document) -> None:
        """Add the document, replacing the one with the same id."""

    def delete(self, doc_id: str) -> None:
        """Remove the document with this id, if there is one."""


@runtime_checkable
class IndexSnapshot(Protocol):
    """A view of the index kept as it was when opened, while the block that holds it runs."""

    def search(self, request: Query) -> Results:
        """As SearchEngine.search, in this view."""


@runtime_checkable
class SearchEngine(Protocol):
    """One index of documents with the given facets, shared by the threads of a process."""

    facets: tuple[str, ...]

    def ensure(self) -> None:
        """Create an empty index if there is none yet."""

    def search(self, request: Query) -> Results:
        """One page of hits in relevance or date order, facet counts over every hit, snippets."""

    def reading(self) -> AbstractContextManager[IndexSnapshot]:
        """The index as it is now, unchanged by writes and rebuilds while the block runs."""

    def try_writer(self, procs: int = 1) -> AbstractContextManager[IndexWriter | None]:
        """A writer committed when the block ends (cancelled if it raises), or None at once when
        another process writes: the caller leaves its work queued for that one. `procs`
        processes may share the writing of many documents (an outbox drained in bulk)."""

    def rebuild(self, documents: Iterable[Document], procs: int = 1, on_document: Callable[[], object] | None = None,
                keep_old: bool = False) -> object | None:  # fmt: skip
        """Index `documents` afresh and swap the result in at once; `procs` processes may share
        the work, but `documents` is read in the calling thread (it may read a database session),
        and `on_document()` called as each is read. When `keep_old`, returns a handle on the
        replaced index for `discard`, so the caller decides when it goes."""

    def discard(self, old: object | None) -> None:
        """Remove an index that `rebuild(keep_old=True)` replaced (open readers keep working)."""

    def digests(self) -> dict[str, str | None]:
        """Every indexed id with the digest it was indexed with."""

    def count(self) -> int:
        """The number of documents."""

    def close(self) -> None:
        """Release open files; the object stays usable (the next use reopens)."""


# name → the function giving this process's engine object for an index folder and facets
ENGINES: dict[str, Callable[[str, tuple[str, ...]], SearchEngine]] = {
    "whoosh": whoosh_engine.get_index,
    "tantivy": tantivy_engine.get_index,
}


DEFAULT = "tantivy"  # as core.config.DEFAULTS["SEARCH_ENGINE"]


def open_engine(path: str, facets: tuple[str, ...], name: str = DEFAULT) -> SearchEngine:
    """This process's engine object for the index at `path` (one per path: it keeps readers open)."""
    check_engine_name(name)
    return ENGINES[name](path, tuple(facets))


def check_engine_name(name: str) -> None:
    """Raise ValueError naming the choices unless `name` is an engine's."""
    if name not in ENGINES:
        raise ValueError(f"unknown search engine {name!r}: SEARCH_ENGINE is one of {', '.join(sorted(ENGINES))}")
