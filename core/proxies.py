"""Behind a reverse proxy: the client's address, scheme, host and port read from the X-Forwarded-* headers
of exactly the configured number of proxies (TRUSTED_PROXIES, `VITRINE_TRUSTED_PROXIES`), never guessed.

Anyone can send these headers, so with 0 (the default) none is read: the app sees the proxy's address and
its own host. With N, werkzeug's ProxyFix takes the N-th value from the right of each header, the one the
outermost trusted proxy wrote. X-Forwarded-Prefix is never read: the app is served at the site's root.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# More hops than any real chain (a CDN, a load balancer, nginx): a bigger number is a typo.
MAX_HOPS = 5


def init_app(app: Flask) -> None:
    """Read X-Forwarded-For, -Proto, -Host and -Port from TRUSTED_PROXIES proxies, if any."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if not isinstance(hops, int) or isinstance(hops, bool) or not 0 <= hops <= MAX_HOPS:
        raise ValueError(f"TRUSTED_PROXIES must be a whole number from 0 to {MAX_HOPS}, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=0)
