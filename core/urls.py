"""Addresses: absolute URLs of things printed or shared, the short address a QR code holds, and the
converter of every id in a web or API route."""

from flask import current_app, url_for
from werkzeug.routing import IntegerConverter

# Ids are 32-bit integers in PostgreSQL (SERIAL); a larger number in a URL can name no record.
MAX_ID = 2_147_483_647
# The prefix of the short links printed on panels and in books: a promise kept for years.
QR_PREFIX = "/q"


def public_url(endpoint: str, **values) -> str:
    """`endpoint`'s address under the configured public base URL (`VITRINE_BASE_URL`)."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def qr_url(code: str, base_url: str | None = None) -> str:
    """The absolute short address a printed QR code holds: `<base URL>/q/<code>`."""
    return f"{base_url or current_app.config['BASE_URL']}{QR_PREFIX}/{code}"


class IdConverter(IntegerConverter):
    """`<id:name>`: a record id from 0 to MAX_ID; a longer number matches no route, so it is a 404.

    A subclass of Werkzeug's IntegerConverter, so flask-smorest documents it as an integer
    with its bounds, exactly as `int(max=…)` was.
    """

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, max=MAX_ID)


def init_app(app) -> None:
    """Make `<id:…>` available to every blueprint; runs before any route is added."""
    app.url_map.converters["id"] = IdConverter
