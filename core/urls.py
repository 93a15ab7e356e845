"""Absolute addresses for things printed or shared: QR codes, share links, feeds."""

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    """`endpoint`'s address under the configured public base URL (`VITRINE_BASE_URL`)."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)
