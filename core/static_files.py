"""The site's static files (style sheets, scripts, favicon) kept a year by browsers: each URL `url_for`
makes carries a fingerprint of the file's content (`?v=`), so an edited file has a new URL and a visitor
on a phone reads it once, not again at every page (Flask's default makes the browser ask each time)."""

import hashlib
import os
import shutil
import threading
from pathlib import Path

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
# path → ((mtime, size), fingerprint): a file edited while the app runs gets a new fingerprint.
_seen: dict[str, tuple[tuple[int, int], str]] = {}
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Fingerprint the URLs of the app's static files, and let browsers keep the files such URLs name."""
    app.url_defaults(_add_fingerprint)
    app.after_request(_cache_fingerprinted)


def fingerprint(filename: str) -> str | None:
    """The first 16 hex digits of the SHA-256 of the static file `filename`; None if there is no such file."""
    path = safe_join(current_app.static_folder, filename)
    if path is None or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    key = (stat.st_mtime_ns, stat.st_size)
    known = _seen.get(path)
    if known and known[0] == key:
        return known[1]
    digest = fingerprint_file(path)
    with _lock:
        _seen[path] = (key, digest)
    return digest


def fingerprint_file(path) -> str:
    """The first 16 hex digits of the SHA-256 of the file at `path`."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:16]


def copy_fingerprinted(static_folder, target) -> int:
    """Copy every static file to `target/<fingerprint>/<its path>` unless there; the number copied.

    A proxy serves `/static/<path>?v=<fingerprint>` from there for a year (deploy/nginx/vitrine.conf): a copy's
    folder names its content, so what such a URL finds never changes, even when the site's files do. Copies
    are never removed: a page cached before an update still finds the files it names.
    """
    static_folder, target, copied = Path(static_folder), Path(target), 0
    for source in sorted(p for p in static_folder.rglob("*") if p.is_file()):
        copy = target / fingerprint_file(source) / source.relative_to(static_folder)
        if copy.exists():
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        partial = copy.with_name(f".{copy.name}.{os.getpid()}.part")
        shutil.copy2(source, partial)  # its time too: nginx's ETag is the same under both addresses
        os.chmod(partial, 0o644)  # the proxy may run as another user
        os.replace(partial, copy)
        copied += 1
    return copied


def _add_fingerprint(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        found = fingerprint(values["filename"])
        if found:
            values["v"] = found


def _cache_fingerprinted(response: Response) -> Response:
    # Only a URL naming the file's current content may be kept: an old URL (a page cached before an
    # update) gets today's file with Flask's default, asked for again each time.
    if request.endpoint != "static" or response.status_code not in (200, 206, 304):
        return response
    wanted = request.args.get("v")
    if wanted and wanted == fingerprint((request.view_args or {}).get("filename", "")):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response
