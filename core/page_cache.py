"""A per-process cache of whole public answers: anonymous GET and HEAD of the pages and API reads marked with
`public_page`, kept until the public content changes, on any machine.

What an answer is kept under: its path and sorted query, what the language policy decides from (core.language_policy
`decision_inputs`: the chosen, remembered and link languages and the browser's), today's date (the home page's
"on now"), and, checked on every hit, the **content generation** and the search index's `version()`.

The content generation is one row (`content_generation`) that every transaction changing a table the public pages
read adds one to, in that same transaction, just before it commits: an engine listener notes the tables a
connection writes, and its commit hook runs the UPDATE. Tables that never change a public answer (sessions,
throttle counters, audit, jobs, outboxes, scan and download counts) are left out (`PRIVATE_TABLES`). A request
reads the generation (one primary-key read) before anything else, so whatever it then reads is at least as new:
    - on SQLite the read begins the request's snapshot: generation and content agree exactly;
    - on PostgreSQL (READ COMMITTED) a commit may land between the generation's read and the content's; the answer
      is then newer than its generation and is kept under the older one, which no request reads once that commit
      is seen: never stale, at worst one answer made twice.
Bumping inside the writer's transaction rather than after its commit means no window where content is committed
with the old generation, and no bump lost to a process killed between the two. The row is updated last, so the
row lock is held only during the commit.

The search index is applied after the commit (its outbox), so an answer made between the two holds new rows with an
old index: keyed on the index's version too, it is replaced once the index moves. Both are read from the database
(and, for the PostgreSQL engine, the index too), so a withdrawal on one machine reaches every worker of every machine
at its next request.

Never kept: answers for someone signed in or holding a remember cookie, an API token, a session holding anything
but a link's language (flashes, a form's CSRF token), an answer that made a CSRF token, set a session value or is
not a plain 200; Set-Cookie is never stored (the after-request hooks set a visitor's own cookies on every hit).
Bounded by `PAGE_CACHE_BYTES` (least recently used out first; 0 disables it), entries older than
`PAGE_CACHE_SECONDS` dropped. A hit answers If-None-Match with 304.
"""

import hashlib
import re
import threading
import time
import weakref
from collections import OrderedDict
from datetime import date

from flask import current_app, g, request, session
from sqlalchemy import BigInteger, event, select
from sqlalchemy.orm import Mapped, mapped_column

from core import language_policy
from core.db import Base, db
from core.search import IndexUnavailable, search_index

_MARK = "vitrine_public_page"
_KEY = "vitrine_page_cache_key"
_EXTENSION = "vitrine.page_cache"
_WROTE = "vitrine.public_write"
# Tables whose writes never change a public answer: left out, so a scan, a sign-in or a queued job keeps the cache.
PRIVATE_TABLES = frozenset({
    "account_links", "alembic_version", "api_tokens", "audit_events", "content_generation", "download_days",
    "fixity_runs", "harvest_runs", "import_jobs", "login_counters", "oai_records", "oai_record_sets",
    "oai_tasks", "qr_scan_days", "qr_scan_visitors", "search_tasks", "user_sessions", "users",
})  # fmt: skip
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?(\.)?', re.IGNORECASE)
_BUMP = "UPDATE content_generation SET value = value + 1 WHERE id = 1"
# What a hit answers with besides the body; the after-request hooks add the rest (cookies, security headers).
_NOT_KEPT = frozenset({"set-cookie", "content-length", "date", "etag"})
MAX_REMEMBERED = 10_000  # values of one name kept for a generation; past it they start again
MAX_QUERY = 2000  # characters of a query string kept under; longer ones are answered afresh
_SESSION_KEYS_KEPT = frozenset({language_policy.VISIT_KEY, "_permanent"})


class ContentGeneration(Base):
    """One row counting the transactions that changed public content (see the module's docstring)."""

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)

    def __repr__(self) -> str:
        return f"<ContentGeneration {self.value}>"


def public_page(view):
    """Mark a view (a function or a MethodView class) whose anonymous answers are the same for everyone who asks
    with the same path, query and language inputs, so they may be kept."""
    setattr(view, _MARK, True)
    return view


# --- The store -----------------------------------------------------------------------------------------


class PageCache:
    """Answers by key, least recently used out first past `max_bytes`; each remembers what it was made from."""

    def __init__(self, max_bytes: int, max_seconds: float):
        self.max_bytes, self.max_seconds = max_bytes, max_seconds
        self._entries: OrderedDict = OrderedDict()  # key → (made_from, status, headers, body, etag, at)
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.lock = threading.Lock()  # of `memos`
        self.memos: dict = {}  # name → (generation, {key: value}), for `remembered`

    @property
    def size(self) -> int:
        """The bytes held (bodies and keys, roughly)."""
        return self._bytes

    def get(self, key, made_from):
        """The entry under `key` if it was made from `made_from` and is fresh enough, else None (and it goes)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != made_from or time.monotonic() - entry[5] > self.max_seconds:
                if entry is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key, made_from, status: int, headers: list, body: bytes, etag: str) -> None:
        """Keep an answer, unless it alone would take more than an eighth of the bound."""
        size = _size(key, headers, body)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (made_from, status, headers, body, etag, time.monotonic())
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key) -> None:
        entry = self._entries.pop(key)
        self._bytes -= _size(key, entry[2], entry[3])


def _size(key, headers: list, body: bytes) -> int:
    return len(body) + len(repr(key)) + sum(len(name) + len(value) for name, value in headers) + 200


# --- The content generation ----------------------------------------------------------------------------


def content_generation(session) -> int:
    """The content generation as this session's transaction reads it (0 before any is recorded)."""
    return session.execute(select(ContentGeneration.value).where(ContentGeneration.id == 1)).scalar() or 0


def _on_begin(conn) -> None:
    conn.info.pop(_WROTE, None)


def _on_statement(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if statement[:1] in "IUDiud \n":
        found = _WRITE.match(statement)
        # A schema-qualified name (the PostgreSQL search engine's) is an index's: its version keys answers.
        if found and not found.group(2):
            table = found.group(1).lower()
            if table == "alembic_version":  # a migration: the table may come or go (see _counting)
                _present.pop(conn.engine, None)
            elif table not in PRIVATE_TABLES:
                conn.info[_WROTE] = True


def _on_commit(conn) -> None:
    if conn.info.pop(_WROTE, None):
        # On the driver's own cursor, in the transaction about to commit: the listener above does not see it.
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            if _counting(conn.engine, cursor):
                cursor.execute(_BUMP)
        finally:
            cursor.close()


# engine → whether its database has the table: not before migration 0023, nor after a downgrade past it (a
# commit must not fail for a count nobody can read yet); looked up again after any migration.
_present: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _counting(engine, cursor) -> bool:
    present = _present.get(engine)
    if present is None:
        if engine.dialect.name == "postgresql":
            cursor.execute("SELECT to_regclass('content_generation') IS NOT NULL")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'content_generation'")
        present = _present[engine] = bool(cursor.fetchone()[0])
    return present


def _on_rollback(conn) -> None:
    conn.info.pop(_WROTE, None)


def watch_writes(engine) -> None:
    """Count every commit of `engine` that wrote a public table into the content generation."""
    if event.contains(engine, "commit", _on_commit):
        return
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "before_cursor_execute", _on_statement)
    event.listen(engine, "commit", _on_commit)
    event.listen(engine, "rollback", _on_rollback)


# --- Requests ------------------------------------------------------------------------------------------


def page_cache(app=None) -> PageCache | None:
    """The app's cache in this process, None when disabled."""
    return (app or current_app).extensions.get(_EXTENSION)


def remembered(name: str, key, generation: int, make):
    """`make()`'s value for `key`, kept in this process while the content generation stays `generation` (a value
    read from public content that many requests ask for: where a QR code leads); made each time when the cache is
    off. A value of None is not kept."""
    cache = page_cache()
    if cache is None:
        return make()
    with cache.lock:
        memo = cache.memos.get(name)
        if memo is None or memo[0] != generation or len(memo[1]) >= MAX_REMEMBERED:
            memo = cache.memos[name] = (generation, {})
        if key in memo[1]:
            return memo[1][key]
    value = make()
    if value is not None:
        with cache.lock:
            memo[1][key] = value
    return value


def _marked() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _MARK, False) or getattr(getattr(view, "view_class", None), _MARK, False))


def _anonymous() -> bool:
    """No sign-in, token, flash or form of this visitor can be in the answer."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")  # Flask-Login's default
    if request.headers.get("Authorization") or request.cookies.get(remember):
        return False
    return not (set(session.keys()) - _SESSION_KEYS_KEPT)


def _index_version() -> str | None:
    """The search index's version; None when it cannot be read (the page is then made without the cache, and
    only a page that searches says the index is unavailable)."""
    try:
        return search_index().version()
    except KeyError:  # an app without a search source (none in production)
        return ""
    except IndexUnavailable:
        return None


def serve_cached():
    """Before a request: answer from the cache, or note under which key the answer is to be kept."""
    cache = page_cache()
    if cache is None or request.method not in ("GET", "HEAD") or not _marked() or not _anonymous():
        return None
    query = request.query_string
    if len(query) > MAX_QUERY:
        return None
    args = tuple(sorted(request.args.items(multi=True)))
    key = (request.path, args, language_policy.decision_inputs(), date.today().isoformat())
    # The generation first, then the index's version, then (on a miss) the content: see the module's docstring.
    made_from = (content_generation(db.session), _index_version())
    if made_from[1] is None:
        return None
    entry = cache.get(key, made_from)
    if entry is None:
        g.setdefault(_KEY, (key, made_from))
        return None
    _made_from, status, headers, body, etag, _at = entry
    response = current_app.response_class(body, status=status, headers=headers)
    response.set_etag(etag)
    return response.make_conditional(request)


def keep_answer(response):
    """After a request (last of all, so every header is in): keep a public answer made by its view."""
    noted = g.pop(_KEY, None)
    if noted is None or response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return response
    if "csrf_token" in g or (set(session.keys()) - _SESSION_KEYS_KEPT) or response.cache_control.no_store:
        return response  # made for this visitor: a form's token, a flash, a sign-in
    if response.cache_control.private or response.headers.get("X-Accel-Redirect"):
        return response
    body = response.get_data()
    etag = hashlib.blake2b(body, digest_size=16).hexdigest()
    headers = [(name, value) for name, value in response.headers.items() if name.lower() not in _NOT_KEPT]
    page_cache().put(noted[0], noted[1], response.status_code, headers, body, etag)
    response.set_etag(etag)
    return response.make_conditional(request)


def init_app(app) -> None:
    """Make the cache (PAGE_CACHE_BYTES above 0) and keep answers after each request; called first of all, so
    that this hook runs after every other one has set its headers."""
    max_bytes = int(app.config.get("PAGE_CACHE_BYTES", 0))
    if max_bytes > 0:
        app.extensions[_EXTENSION] = PageCache(max_bytes, float(app.config.get("PAGE_CACHE_SECONDS", 300)))
    app.after_request(keep_answer)


def serve_from_cache(app) -> None:
    """Count content changes (always: other processes and machines on the database may cache) and answer from
    the cache; called last, so that the hooks before it (runners started by a first request) ran."""
    with app.app_context():
        watch_writes(db.engine)
    app.before_request(serve_cached)
