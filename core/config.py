"""Configuration: defaults, then the environment, then overrides from the caller."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_PORT = 5000

DEFAULTS = {
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en", "fr"],
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # Origins (https://partner.example) whose pages may frame the public exhibition pages (core.security_headers).
    "EMBED_ORIGINS": [],
    "WTF_CSRF_TIME_LIMIT": None,
    # A request may carry several files; each is held to MAX_UPLOAD_BYTES by archive.media.
    "MAX_CONTENT_LENGTH": 1024 * 1024 * 1024,
    "MAX_UPLOAD_BYTES": 200 * 1024 * 1024,
    # A JSON body (the API's) is read whole into memory: a bound on its size and on its nesting (core.api); an
    # item's texts with a long transcription are a few hundred KB, and no schema nests past five levels.
    "JSON_MAX_BYTES": 4 * 1024 * 1024,
    "JSON_MAX_DEPTH": 32,
    # Decoding limits of uploaded files; why these values: archive/media.py.
    "MEDIA_MAX_PIXELS": 300_000_000,
    "MEDIA_MAX_PAGES": 2000,
    "MEDIA_DECODE_MEMORY_BYTES": 3 * 1024 * 1024 * 1024,
    "MEDIA_DECODE_TIMEOUT_SECONDS": 60,
    "TESSERACT_CMD": "tesseract",
    "OCR_LANGUAGES": "vie+eng",
    # The search engine (core.search.engine.ENGINES): tantivy, which keeps a million records under
    # 100 ms a search (bench/search.py), whoosh, the engine before it, or postgresql, in the app's
    # PostgreSQL database for several web machines on it.
    "SEARCH_ENGINE": "tantivy",
    # Sign-in throttling (core.throttle): attempts per window on an account from unknown browsers, on
    # one known browser (its device cookie, kept LOGIN_DEVICE_DAYS), and from one client address.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_CLIENT_ATTEMPTS": 30,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "LOGIN_DEVICE_DAYS": 365,
    # A sign-in lasts a working day, or REMEMBER_DAYS with "keep me signed in" (core.sessions), and
    # ends sooner when unused for SESSION_IDLE_MINUTES (REMEMBER_IDLE_DAYS when remembered).
    "SESSION_HOURS": 12,
    "REMEMBER_DAYS": 30,
    "SESSION_IDLE_MINUTES": 120,
    "REMEMBER_IDLE_DAYS": 7,
    # An API token's lifetime when none is asked for (core.auth).
    "API_TOKEN_DAYS": 365,
    # How long an invitation or password-reset link stays usable (core.accounts).
    "INVITE_LINK_HOURS": 72,
    "RESET_LINK_HOURS": 24,
    "ITEMS_PER_PAGE": 25,
    # The sitemaps protocol's limits of one sitemap; past them /sitemap.xml becomes an index.
    "SITEMAP_MAX_URLS": 50_000,
    "SITEMAP_MAX_BYTES": 50 * 1024 * 1024,
    "API_TITLE": "Vitrine API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "SQLITE_BUSY_TIMEOUT_MS": 30_000,
    # CLI commands and workers read then write: take the write lock at BEGIN.
    "SQLITE_BEGIN_OUTSIDE_REQUESTS": "IMMEDIATE",
    # Who makes an upload's previews after commit: why these values, archive/jobs.py.
    "MEDIA_JOBS": "background",
    "MEDIA_JOBS_POLL_SECONDS": 30,
    "MEDIA_JOB_MAX_ATTEMPTS": 3,
    "MEDIA_JOB_LEASE_MARGIN_SECONDS": 120,
    # A file of more pages is made this many pages per claim, other jobs claimed in between (archive/jobs.py).
    "MEDIA_SLICE_PAGES": 50,
    # Who runs a CSV import asked for from the page or the API (archive/import_jobs.py): "background",
    # "inline" or "worker"; its lease is renewed at each progress record, about every IMPORT_PROGRESS_SECONDS.
    "IMPORT_JOBS": "background",
    "IMPORT_JOBS_POLL_SECONDS": 30,
    "IMPORT_JOB_MAX_ATTEMPTS": 3,
    "IMPORT_JOB_LEASE_SECONDS": 300,
    "IMPORT_JOB_BACKOFF_SECONDS": 30,  # before the second attempt; doubled at each one after
    "IMPORT_DEAD_LETTER_DAYS": 30,  # an import given up keeps its upload this long, for an admin to queue it again
    "IMPORT_PROGRESS_SECONDS": 1.0,
    # Harvesting other repositories (interop.harvest): who runs a harvest queued from the admin page
    # ("background": a thread of the web process; "worker": only `flask harvest worker` or `harvest run`),
    # and the limits every answer of a source is held to.
    "HARVEST_JOBS": "background",
    "HARVEST_POLL_SECONDS": 300,
    "HARVEST_LEASE_SECONDS": 600,  # a run that renewed no lease for this long lost its process: resumable
    "HARVEST_TIMEOUT_SECONDS": 30,  # to connect, and between two reads
    "HARVEST_RESPONSE_SECONDS": 120,  # to read a whole answer
    "HARVEST_MAX_RESPONSE_BYTES": 32 * 1024 * 1024,
    "HARVEST_MAX_RECORD_BYTES": 1024 * 1024,
    "HARVEST_MAX_IMAGE_BYTES": 64 * 1024 * 1024,
    "HARVEST_MAX_PAGES": 100_000,  # past it a resumption token is taken as endless
    "HARVEST_MAX_REDIRECTS": 5,
    "HARVEST_IMAGE_CANDIDATES": 4,  # dc:identifier URLs tried for a record's image
    "HARVEST_RETRIES": 4,  # of a request that met a network error or a 5xx/429 answer
    "HARVEST_BACKOFF_SECONDS": 2.0,  # doubled at each retry
    "HARVEST_MAX_BACKOFF_SECONDS": 120.0,
    "HARVEST_FETCH_IMAGES": True,
    # OAI-PMH (interop.oai): records per ListRecords/ListIdentifiers page, how long a resumption token
    # lasts, and who applies its outbox after commit (background, inline or worker, as SEARCH_APPLY).
    "OAI_PAGE_SIZE": 100,
    "OAI_TOKEN_HOURS": 24,
    "OAI_APPLY": "background",
    # Behind a reverse proxy (core.proxies): how many proxies in front of the app set X-Forwarded-*; 0 reads
    # none of those headers, since anyone can send them.
    "TRUSTED_PROXIES": 0,
    # How originals, previews and built publications are sent once access is checked (core.protected_files):
    # None streams them from the app; a prefix such as "/_protected/" hands them to nginx (X-Accel-Redirect).
    "ACCEL_REDIRECT": None,
    # How long a shared cache may keep a published item's file or preview: a withdrawal reaches caches
    # within this, and after it they revalidate by ETag. Only fingerprinted static files are kept longer.
    "MEDIA_MAX_AGE": 300,
    # Whole public answers kept per web process (core.page_cache), at most this many bytes (0: none) and this long;
    # any change of public content, on any machine sharing the database, replaces them at the next request.
    "PAGE_CACHE_BYTES": 64 * 1024 * 1024,
    "PAGE_CACHE_SECONDS": 300,
}


def from_env(environ=None) -> dict:
    """Read the documented VITRINE_* and friends from the environment."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("VITRINE_DATA_DIR", "instance")).resolve()
    found = {"DATA_DIR": str(data_dir)}
    if env.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(env["DATABASE_URL"])
    if env.get("SECRET_KEY"):
        found["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("VITRINE_SEARCH_ENGINE"):  # tantivy (default), whoosh or postgresql
        found["SEARCH_ENGINE"] = env["VITRINE_SEARCH_ENGINE"].strip().lower()
    if env.get("VITRINE_SEARCH_APPLY"):  # background (default), inline, worker or on_read
        found["SEARCH_APPLY"] = env["VITRINE_SEARCH_APPLY"]
    if env.get("VITRINE_MEDIA_JOBS"):  # background (default), inline, or worker
        found["MEDIA_JOBS"] = env["VITRINE_MEDIA_JOBS"]
    if env.get("VITRINE_IMPORT_JOBS"):  # background (default), inline, or worker
        found["IMPORT_JOBS"] = env["VITRINE_IMPORT_JOBS"]
    if env.get("VITRINE_HARVEST_JOBS"):  # background (default) or worker
        found["HARVEST_JOBS"] = env["VITRINE_HARVEST_JOBS"]
    if env.get("VITRINE_MAX_UPLOAD_MB"):
        found["MAX_UPLOAD_BYTES"] = int(env["VITRINE_MAX_UPLOAD_MB"]) * 1024 * 1024
    if env.get("VITRINE_MAX_MEGAPIXELS"):
        found["MEDIA_MAX_PIXELS"] = int(env["VITRINE_MAX_MEGAPIXELS"]) * 1_000_000
    if env.get("VITRINE_BASE_URL"):
        found["BASE_URL"] = env["VITRINE_BASE_URL"].rstrip("/")
    if env.get("VITRINE_REPOSITORY_ID"):  # the OAI repository identifier, stored once (interop.oai)
        found["REPOSITORY_ID"] = env["VITRINE_REPOSITORY_ID"].strip()
    if env.get("VITRINE_OAI_ADMIN_EMAIL"):
        found["OAI_ADMIN_EMAIL"] = env["VITRINE_OAI_ADMIN_EMAIL"].strip()
    if env.get("VITRINE_OAI_PAGE_SIZE"):
        found["OAI_PAGE_SIZE"] = int(env["VITRINE_OAI_PAGE_SIZE"])
    if env.get("VITRINE_OAI_APPLY"):  # background (default), inline, or worker
        found["OAI_APPLY"] = env["VITRINE_OAI_APPLY"]
    if env.get("VITRINE_TRUSTED_PROXIES"):
        found["TRUSTED_PROXIES"] = _whole_number(env, "VITRINE_TRUSTED_PROXIES")
    if env.get("VITRINE_ACCEL_REDIRECT"):
        found["ACCEL_REDIRECT"] = env["VITRINE_ACCEL_REDIRECT"].strip()
    if env.get("VITRINE_MEDIA_MAX_AGE"):
        found["MEDIA_MAX_AGE"] = _whole_number(env, "VITRINE_MEDIA_MAX_AGE")
    if env.get("VITRINE_IMPORT_JOB_LEASE_SECONDS"):  # how soon a dead imports worker's job is taken over
        found["IMPORT_JOB_LEASE_SECONDS"] = max(_whole_number(env, "VITRINE_IMPORT_JOB_LEASE_SECONDS"), 1)
    if env.get("VITRINE_PAGE_CACHE_MB"):
        found["PAGE_CACHE_BYTES"] = _whole_number(env, "VITRINE_PAGE_CACHE_MB") * 1024 * 1024
    if env.get("VITRINE_PAGE_CACHE_SECONDS"):
        found["PAGE_CACHE_SECONDS"] = _whole_number(env, "VITRINE_PAGE_CACHE_SECONDS")
    for name in ("MEDIA_MAX_PAGES", "MEDIA_SLICE_PAGES"):  # the page limit of an upload; pages per job slice
        if env.get(f"VITRINE_{name}"):
            found[name] = max(_whole_number(env, f"VITRINE_{name}"), 1)
    if env.get("VITRINE_PG_BIN_DIR"):  # where `backup` and `restore` find pg_dump and pg_restore
        found["PG_BIN_DIR"] = env["VITRINE_PG_BIN_DIR"]
    if env.get("VITRINE_EMBED_ORIGINS"):  # separated by spaces or commas
        found["EMBED_ORIGINS"] = [o.rstrip("/") for o in env["VITRINE_EMBED_ORIGINS"].replace(",", " ").split()]
    if env.get("PORT"):  # the port `make run` serves on; the default base URL follows it
        found["PORT"] = int(env["PORT"])
    return found


def _whole_number(env, name: str) -> int:
    # A deployment setting read wrong would be silently unsafe (proxies) or stale (caching): refuse it by name.
    value = env[name].strip()
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"{name} must be a whole number of 0 or more, not {value!r}")
    return int(value)


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgres:// URLs from hosting panels name none.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def finalise(config: dict) -> None:
    """Fill what depends on the data dir: database path, secret key, base URL."""
    data_dir = Path(config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    config.setdefault("STORAGE_DIR", str(data_dir / "files"))
    # Each engine has its own folder, so switching engines never opens one with the other; Whoosh
    # keeps the folder it always had.
    engine = config.get("SEARCH_ENGINE") or DEFAULTS["SEARCH_ENGINE"]
    config.setdefault("SEARCH_INDEX_DIR", str(data_dir / ("index" if engine == "whoosh" else f"index-{engine}")))
    config.setdefault("DERIVATIVES_DIR", str(data_dir / "derivatives"))
    # Built e-books, catalogues and offline packages: a cache, rebuilt from the database on demand.
    config.setdefault("PUBLICATIONS_DIR", str(data_dir / "publications"))
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{data_dir / 'vitrine.sqlite3'}"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _load_or_create_secret(data_dir / "secret_key")
    # Without VITRINE_BASE_URL the address is this computer's own: right for trying the app, wrong for
    # anything printed, which core.urls.base_url_warning says on the staff and printing pages.
    config["BASE_URL_IS_DEFAULT"] = not config.get("BASE_URL")
    if config["BASE_URL_IS_DEFAULT"]:
        config["BASE_URL"] = default_base_url(config.get("PORT"))
    # Behind HTTPS no cookie may travel in clear (core.security_headers adds HSTS); over plain HTTP a Secure
    # cookie would never come back, and `make run` could not sign in.
    https = urlsplit(config["BASE_URL"]).scheme == "https"
    config["SESSION_COOKIE_SECURE"] = https or bool(config.get("SESSION_COOKIE_SECURE"))
    config["REMEMBER_COOKIE_SECURE"] = https or bool(config.get("REMEMBER_COOKIE_SECURE"))


def default_base_url(port: int | None = None) -> str:
    """The base URL when none is configured: the address `make run` serves on (`PORT`, else 5000)."""
    return f"http://127.0.0.1:{port or DEFAULT_PORT}"


def _load_or_create_secret(path: Path) -> str:
    """Keep one generated secret in the data dir so sessions survive restarts."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
