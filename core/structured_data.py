"""Structured data in public pages (schema.org JSON-LD): a page names what it shows, a package above the
domains says how to describe it.

The item page (portal) and the exhibition pages (exhibitions) cannot import interop/, which knows both
domains and writes the descriptions; so a template asks `structured_data("item", item, …)` and gets the
data of the builder that interop registered for that kind when the app was built, or None when none was.
The template writes it in a `<script type="application/ld+json">` data block through `tojson`, which
escapes `<`, `>`, `&` and `'`: a data block runs nothing, so a Content-Security-Policy allows it.
"""

from collections.abc import Callable

from flask import current_app

_BUILDERS = "vitrine.structured_data"


def provide(app, kind: str, builder: Callable[..., dict | None]) -> None:
    """Let templates describe pages of `kind` with `builder(*args, **kwargs)`; the last one registered wins."""
    app.extensions.setdefault(_BUILDERS, {})[kind] = builder


def structured_data(kind: str, *args, **kwargs) -> dict | None:
    """The JSON-LD of a page showing `kind`, or None when no package describes that kind."""
    builder = current_app.extensions.get(_BUILDERS, {}).get(kind)
    return builder(*args, **kwargs) if builder else None


def init_app(app) -> None:
    """Make `structured_data` available to every template."""
    app.jinja_env.globals["structured_data"] = structured_data
