"""Full-text search: what the rest of the app uses of it.

- analysis.py: Vietnamese folding and the terms of a text (plain Python)
- query.py: `Query`, `Hit`, `Results`, and our query syntax parsed into a ranking tree
- schema.py: the `Document` a domain builds, and the index fields it becomes
- ranking.py: a query tree evaluated over posting lists with numpy (BM25, order, facets)
- engine.py: the `SearchEngine` interface, `ENGINES` and `open_engine`
- tantivy_engine.py: the tantivy engine (the default), the only module that imports tantivy
- postgres_engine.py (with postgres_query.py, postgres_snippets.py): PostgreSQL's full-text search in the
  app's database, for several web machines; `DATABASE_SCHEMA` is the schema it keeps its tables in
- whoosh_engine.py: the Whoosh engine, the only module that imports whoosh
- errors.py: `IndexUnavailable`, raised when the index cannot be opened
- snippets.py: what highlighting needs, kept per document at index time, and the page's snippets
- outbox.py: the `search_tasks` outbox and what keeps the index equal to the database

A domain registers a `DocumentSource` with `init_app` and calls `record_changes` with the ids
of the records a transaction changes; the index follows after commit.
"""

from core.search.analysis import fold, normalise
from core.search.engine import IndexSnapshot, IndexWriter, SearchEngine, open_engine
from core.search.errors import IndexUnavailable
from core.search.outbox import (
    APPLY_EFFECT,
    DocumentSource,
    SearchTask,
    apply_pending,
    apply_pending_safely,
    catch_up,
    check,
    clean_abandoned,
    index_to_read,
    init_app,
    last_task_id,
    pending_count,
    record_changes,
    reindex,
    search_index,
    waiting_after,
)
from core.search.postgres_engine import SCHEMA as DATABASE_SCHEMA
from core.search.query import ORDERS, Hit, Query, Results, parse_text
from core.search.schema import Document

# Whoosh pickles an index's schema with the class path of each analyzer, and these have been
# `core.search.<name>` since before this was a package: kept there, every index still opens.
from core.search.whoosh_engine import _FoldFilter, _NfcTokenizer, _ProperPrefixFilter  # noqa: F401, E402, I001

__all__ = [
    "APPLY_EFFECT", "DATABASE_SCHEMA", "ORDERS", "Document", "DocumentSource", "Hit", "IndexSnapshot",
    "IndexUnavailable", "IndexWriter",
    "Query", "Results", "SearchEngine", "SearchTask", "apply_pending", "apply_pending_safely", "catch_up", "check",
    "clean_abandoned", "fold",
    "init_app", "normalise", "open_engine", "parse_text", "pending_count", "record_changes", "reindex",
    "index_to_read", "last_task_id", "search_index", "waiting_after",
]  # fmt: skip
