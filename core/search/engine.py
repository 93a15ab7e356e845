"""The engine interface: what the app asks of a full-text index, whatever keeps it.

Three implementations: core/search/tantivy_engine.py (the only importer of `tantivy`, the
default: a million records answer under 100 ms), core/search/whoosh_engine.py (the only
importer of `whoosh`), both in a folder of the data dir, and core/search/postgres_engine.py
(PostgreSQL's full-text search in the app's own PostgreSQL database, for several web machines
on one database), named in `ENGINES` and chosen by the SEARCH_ENGINE setting; each passes the
contract tests (tests/core/search/test_contract.py).
"""

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from core.search import postgres_engine, tantivy_engine, whoosh_engine
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

    def version(self) -> str:
        """A cheap mark of the index's state that changes whenever a write or a rebuild commits, in any
        process; a cache of answers made from the index keys on it (core.page_cache)."""

    def close(self) -> None:
        """Release open files; the object stays usable (the next use reopens)."""


# name → the function giving this process's engine object for an index location and facets: a
# folder, or for `postgresql` the database's URL (index_location)
ENGINES: dict[str, Callable[[str, tuple[str, ...]], SearchEngine]] = {
    "whoosh": whoosh_engine.get_index,
    "tantivy": tantivy_engine.get_index,
    "postgresql": postgres_engine.get_index,
}
IN_DATABASE = {"postgresql"}  # engines kept in the app's database rather than a folder


DEFAULT = "tantivy"  # as core.config.DEFAULTS["SEARCH_ENGINE"]


def open_engine(path: str, facets: tuple[str, ...], name: str = DEFAULT) -> SearchEngine:
    """This process's engine object for the index at `path` (one per path: it keeps readers open)."""
    check_engine_name(name)
    return ENGINES[name](path, tuple(facets))


def check_engine_name(name: str, database_url: str | None = None) -> None:
    """Raise ValueError naming the choices unless `name` is an engine's, or naming the database
    an engine in the database needs unless `database_url` is one it can live in."""
    if name not in ENGINES:
        raise ValueError(f"unknown search engine {name!r}: SEARCH_ENGINE is one of {', '.join(sorted(ENGINES))}")
    if name in IN_DATABASE and database_url is not None and not postgres_engine.is_postgresql(database_url):
        raise ValueError(f"SEARCH_ENGINE={name} keeps the index in the app's PostgreSQL database, and this app's "
                         f"database is {database_url.split(':', 1)[0]}: set DATABASE_URL to a PostgreSQL database "
                         "or choose another engine (tantivy, whoosh)")  # fmt: skip


def index_location(config) -> str:
    """Where the app's index is: its folder, or the database for an engine kept there."""
    if config["SEARCH_ENGINE"] in IN_DATABASE:
        return config["SQLALCHEMY_DATABASE_URI"]
    return config["SEARCH_INDEX_DIR"]
