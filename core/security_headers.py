"""The security headers of every answer, decided in one place by the role of the page.

Roles: `staff` (every page under /staff and the sign-in and account pages of blueprints marked so), `api`
(/api/), `embeddable` (pages of blueprints marked so: the public exhibition pages, which partners may frame
from `VITRINE_EMBED_ORIGINS`) and `public` (everything else). Every answer gets `nosniff`, a Referrer-Policy
and a Content-Security-Policy without `unsafe-inline` or `unsafe-eval` (the site's scripts are static files,
tests/test_no_inline_scripts.py; JSON-LD data blocks run nothing, so the policy does not meet them); HSTS
when the configured base URL is HTTPS. Staff pages may be framed by no one and kept by no cache; so may API
answers to a signed request, and any page a signed-in person sees (it carries their name and CSRF token).

A view keeps a header it set itself (the media route's sandbox policy, the password pages' no-referrer);
`allow_image_origins` widens one answer's `img-src` and `connect-src` to the outside image services the
page zooms from. Written as an after_request hook rather than with flask-talisman: the policy depends on
the page's role and on what the page shows (a harvested image's origin), which talisman would need a
decorator on every view for, and talisman's HTTPS redirect belongs to the proxy in front (deploy/).
"""

import re
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, request

STAFF, API, EMBEDDABLE, PUBLIC = "staff", "api", "embeddable", "public"
STAFF_PREFIX = "/staff"
API_PREFIX = "/api/"
# A year, the lifetime hstspreload.org asks for. No includeSubDomains: other hosts of the programme's domain
# (a province's own site over plain HTTP) are not ours to force.
HSTS = "max-age=31536000"
REFERRER_POLICY = "strict-origin-when-cross-origin"
# OpenSeadragon 6 adds one <style> element to the page it zooms in (its viewer's focus outline on touch
# screens); the hash allows exactly that text and no other inline style (tests/core/test_security_headers.py
# reads it from the vendored file).
OPENSEADRAGON_STYLE = "'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='"
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:\d{1,5})?")
_COOKIE_SAMESITE = re.compile(r";\s*samesite=", re.IGNORECASE)
_COOKIE_SECURE = re.compile(r";\s*secure(;|$)", re.IGNORECASE)


def init_app(app: Flask) -> None:
    """Check the embedding origins and add the headers after every request. Called before the other
    packages' init_app, so that this hook runs last and sees the cookies they set."""
    for found in app.config.get("EMBED_ORIGINS", ()):
        if not is_origin(found):
            raise ValueError(f"VITRINE_EMBED_ORIGINS: {found!r} is not an origin such as https://partner.example")
    app.extensions["vitrine.page_roles"] = {}
    app.after_request(add_headers)


def mark(blueprint: Blueprint, role: str) -> None:
    """Give every page of `blueprint` a role (STAFF or EMBEDDABLE); pages under /staff are staff anyway."""
    blueprint.record_once(lambda state: state.app.extensions["vitrine.page_roles"].__setitem__(blueprint.name, role))


def allow_image_origins(origins) -> None:
    """Let this answer's page load images and image information (IIIF info.json) from `origins` too."""
    wanted = [found for found in origins if is_origin(found)]
    g.vitrine_image_origins = [*g.get("vitrine_image_origins", []), *wanted]


def is_origin(value: str) -> bool:
    """True for scheme://host[:port] in lowercase, http or https, nothing more (a policy's source must be
    exactly that: a space or a semicolon would add directives)."""
    return isinstance(value, str) and _ORIGIN.fullmatch(value) is not None


def base_origin(base_url: str) -> str | None:
    """scheme://host[:port] of the configured base URL, lowercase; None if it is no origin a policy may name."""
    parts = urlsplit(base_url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    found = f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"
    return found if is_origin(found) else None


def https_site(config) -> bool:
    """Whether the configured public address is HTTPS: then HSTS and Secure cookies."""
    return urlsplit(config["BASE_URL"]).scheme == "https"


def page_role() -> str:
    """The role of the page this request asks for."""
    if request.path.startswith(API_PREFIX):
        return API
    if request.path == STAFF_PREFIX or request.path.startswith(STAFF_PREFIX + "/"):
        return STAFF
    return current_app.extensions["vitrine.page_roles"].get(request.blueprint, PUBLIC)


def content_policy(role: str, image_origins=(), embed_origins=(), https: bool = False) -> str:
    """The Content-Security-Policy of a page of `role`."""
    if role == API:  # JSON and XML for programs: nothing in them is to run, load or be framed
        return "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    outside = "".join(f" {origin}" for origin in dict.fromkeys(image_origins))
    ancestors = " ".join(embed_origins) if role == EMBEDDABLE and embed_origins else "'none'"
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {OPENSEADRAGON_STYLE}",
        f"img-src 'self'{outside}",
        f"connect-src 'self'{outside}",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ]
    if https:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def signed_in() -> bool:
    """Whether this answer was made for someone signed in: a session user (if the request loaded one) or an
    API token."""
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated) or bool(request.headers.get("Authorization"))


def add_headers(response: Response) -> Response:
    """The headers of every answer (after_request)."""
    config = current_app.config
    role, https = page_role(), https_site(config)
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    framed = role == EMBEDDABLE and config.get("EMBED_ORIGINS")
    # The base URL's origin is the site's own even when the page was asked for by another name (localhost for
    # 127.0.0.1, a proxy's inner name): IIIF ids and other absolute addresses the viewer follows are under it.
    images = [origin for origin in (base_origin(config["BASE_URL"]),) if origin] + g.get("vitrine_image_origins", [])
    policy = content_policy(role, images, config.get("EMBED_ORIGINS", ()), https)
    headers.setdefault("Content-Security-Policy", policy)
    if not framed:  # for browsers older than frame-ancestors; it cannot name several origins
        headers.setdefault("X-Frame-Options", "DENY")
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if role == STAFF or (signed_in() and (role == API or response.mimetype == "text/html")):
        response.cache_control.no_store = True
        for kept in ("public", "max_age", "s_maxage", "immutable"):
            setattr(response.cache_control, kept, None)
    elif role == API:  # an answer for the public may be kept, never given to a request that signs
        response.vary.add("Authorization")
    _guard_cookies(headers, https)
    return response


def _guard_cookies(headers, https: bool) -> None:
    # Every cookie carries SameSite, and Secure on an HTTPS site, whoever set it: the session, remember-me and
    # language cookies are configured so (core.config), and a cookie added later cannot forget it.
    cookies = headers.getlist("Set-Cookie")
    if not cookies:
        return
    guarded = []
    for cookie in cookies:
        if not _COOKIE_SAMESITE.search(cookie):
            cookie += "; SameSite=Lax"
        if https and not _COOKIE_SECURE.search(cookie):
            cookie += "; Secure"
        guarded.append(cookie)
    headers.setlist("Set-Cookie", guarded)
