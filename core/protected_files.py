"""Files the app hands out only after a route has checked who may see them: originals, their previews,
built e-books and catalogues.

The route decides whether the file may be seen and whether it is public; this module sends it. By
default the app streams it. With ACCEL_REDIRECT (`VITRINE_ACCEL_REDIRECT=/_protected/`) the app answers
with an empty body and an `X-Accel-Redirect` header naming the file under that prefix, and nginx sends
the bytes from an `internal` location (deploy/nginx/vitrine.conf), which no request from outside can
reach: a draft's, a withdrawn item's or a removed file's bytes have no address of their own.

Caching: a public file may be kept by shared caches for MEDIA_MAX_AGE seconds (minutes), then revalidated
by its ETag, so a withdrawal reaches them quickly; anything else is `private, no-cache`. The ETag is the
one nginx gives a static file (modification time and size in hex), so it is the same whoever sends the
bytes, and a revalidation the app can answer (304) never costs the proxy a file.
"""

import os
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, current_app, request, send_file
from werkzeug.http import is_resource_modified

from core.errors import NotFound
from core.i18n import _

# Folders a protected file may live in: the name the proxy's internal location knows them by, and the
# setting that holds each. The data dir itself is never exposed whole (it holds the secret key).
ROOTS = {"files": "STORAGE_DIR", "derivatives": "DERIVATIVES_DIR", "publications": "PUBLICATIONS_DIR"}
HEADER = "X-Accel-Redirect"


def init_app(app: Flask) -> None:
    """Check the prefix and lifetime settings once, at start-up, rather than at the first file sent."""
    prefix = app.config.get("ACCEL_REDIRECT")
    if prefix is not None and not (prefix.startswith("/") and prefix.endswith("/") and len(prefix) > 2):
        raise ValueError(f"ACCEL_REDIRECT must be a path such as /_protected/, not {prefix!r}")
    max_age = app.config.get("MEDIA_MAX_AGE")
    if not isinstance(max_age, int) or max_age < 0:
        raise ValueError(f"MEDIA_MAX_AGE must be a whole number of seconds, not {max_age!r}")


def file_etag(path: Path) -> str:
    """The ETag of a file as nginx makes it for static files: its modification time and size in hex."""
    return _etag(os.stat(path))


def _etag(stat: os.stat_result) -> str:
    return f"{int(stat.st_mtime):x}-{stat.st_size:x}"


def accel_path(path: Path, prefix: str) -> str | None:
    """The URI under `prefix` the proxy serves `path` from, or None when it lies in no protected folder."""
    resolved = Path(path).resolve()
    for name, setting in ROOTS.items():
        root = Path(current_app.config[setting]).resolve()
        if resolved.is_relative_to(root):
            return prefix + name + "/" + quote(resolved.relative_to(root).as_posix(), safe="/")
    return None


def send_checked(path: Path, mimetype: str, *, public: bool, download_name: str | None = None,
                 as_attachment: bool = False) -> Response:  # fmt: skip
    """Send the file at `path`, which the caller has checked the reader may see; `public` if anyone may. A file
    gone from the disk is a 404 for the reader and an error in the log for the operator (`flask fixity check`)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        current_app.logger.error("file missing from storage: %s; run `flask fixity check`", path)
        raise NotFound(_("This file is not available at the moment."), code="file_missing") from None
    prefix = current_app.config.get("ACCEL_REDIRECT")
    redirect_to = accel_path(path, prefix) if prefix else None
    if redirect_to is None:
        response = send_file(path, mimetype=mimetype, etag=_etag(stat), conditional=True,
                             as_attachment=as_attachment, download_name=download_name)  # fmt: skip
    else:
        name = download_name or (Path(path).name if as_attachment else None)
        response = _handed_to_proxy(redirect_to, stat, mimetype, as_attachment, name)
    _set_lifetime(response, public)
    return response


def _handed_to_proxy(redirect_to: str, stat: os.stat_result, mimetype: str, as_attachment: bool,
                     name: str | None) -> Response:  # fmt: skip
    # A revalidation the app can answer (If-None-Match, If-Modified-Since, as send_file would) needs no file;
    # otherwise nginx sends it and answers Range itself, keeping this response's Content-Type,
    # Content-Disposition and Cache-Control.
    response = Response(mimetype=mimetype)
    response.set_etag(_etag(stat))
    response.last_modified = int(stat.st_mtime)
    if not is_resource_modified(request.environ, etag=_etag(stat), last_modified=response.last_modified):
        response.status_code = 304
        return response
    response.headers[HEADER] = redirect_to
    if name is not None:
        response.headers.set("Content-Disposition", "attachment" if as_attachment else "inline",
                             **_filename_options(name))  # fmt: skip
    return response


def _filename_options(name: str) -> dict:
    # As werkzeug's send_file writes them: an ASCII name for every browser, the UTF-8 one for those that read it.
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}
    return {"filename": name}


def _set_lifetime(response: Response, public: bool) -> None:
    response.headers.pop("Expires", None)  # Cache-Control says it; send_file sets both
    if public:
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['MEDIA_MAX_AGE']}"
    else:
        # Kept by this browser only, and asked again each time: access is checked at every use.
        response.headers["Cache-Control"] = "private, no-cache"
