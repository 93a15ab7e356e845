"""Addresses: absolute URLs of things printed or shared, the short address a QR code holds, and the
converter of every id in a web or API route."""

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from werkzeug.routing import IntegerConverter

from core.i18n import _

# Ids are 32-bit integers in PostgreSQL (SERIAL); a larger number in a URL can name no record.
MAX_ID = 2_147_483_647
# The prefix of the short links printed on panels and in books: a promise kept for years.
QR_PREFIX = "/q"


def public_url(endpoint: str, **values) -> str:
    """`endpoint`'s address under the configured public base URL (`VITRINE_BASE_URL`), in a request or not."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a CLI command (a bag's records): no request to build from; the path is all that is wanted
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def qr_url(code: str, base_url: str | None = None) -> str:
    """The absolute short address a printed QR code holds: `<base URL>/q/<code>`."""
    return f"{base_url or current_app.config['BASE_URL']}{QR_PREFIX}/{code}"


def leads_nowhere(base_url: str) -> bool:
    """True when `base_url` names no machine a phone could reach: a loopback or unspecified address,
    `localhost`, or no host at all."""
    try:
        host = urlsplit(base_url).hostname
    except ValueError:
        return True
    if not host:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: reachable as far as we can tell
    return address.is_loopback or address.is_unspecified


def base_url_warning() -> str | None:
    """Why codes and links printed now would lead nowhere (the base URL is the built-in default or a loopback
    address), in the reader's language; None when the base URL looks public."""
    config = current_app.config
    if config.get("BASE_URL_IS_DEFAULT"):
        return _("No public address is set (VITRINE_BASE_URL): QR codes and links printed now lead to "
                 "%(url)s, which only this computer can open.", url=config["BASE_URL"])  # fmt: skip
    if leads_nowhere(config["BASE_URL"]):
        return _("The public address (VITRINE_BASE_URL) is %(url)s, which only this computer can open: "
                 "QR codes and links printed now would lead nowhere.", url=config["BASE_URL"])  # fmt: skip
    return None


class IdConverter(IntegerConverter):
    """`<id:name>`: a record id from 0 to MAX_ID; a longer number matches no route, so it is a 404.

    A subclass of Werkzeug's IntegerConverter, so flask-smorest documents it as an integer
    with its bounds, exactly as `int(max=…)` was.
    """

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, max=MAX_ID)


def init_app(app) -> None:
    """Make `<id:…>` available to every blueprint (runs before any route is added), and the base URL's
    warning to every template."""
    app.url_map.converters["id"] = IdConverter
    app.jinja_env.globals["base_url_warning"] = base_url_warning
