"""The one rule every request meets before a view: no NUL character anywhere in what it sends.

No text of the archive may hold a control character (core.validation.check_text), but a NUL reaches further
than a text: PostgreSQL refuses it in any string parameter ("text fields cannot contain NUL"), so a code, a
filter or a tag holding one was a server error on PostgreSQL wherever it was looked up before being checked.
Refused here once, with a 400 in the reader's language (the API's JSON body under /api/), for the path, the
query, the form and JSON bodies (`\\u0000`) alike. A blueprint whose protocol answers bad arguments its own
way (OAI-PMH's badArgument) opts out with `answers_nul_itself`.
"""

import re

from flask import current_app, request

from core.errors import VitrineError
from core.i18n import _

# `\u0000` in a JSON text, not preceded by an escaped backslash (`\\u0000` is a backslash and "u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_OPTED_OUT = "vitrine.nul_answered_by"


def answers_nul_itself(app, blueprint_name: str) -> None:
    """Let `blueprint_name`'s views meet NUL characters and refuse them in their protocol's own words."""
    app.extensions.setdefault(_OPTED_OUT, set()).add(blueprint_name)


def refuse_nul() -> None:
    """400 if the request's path, query, form or JSON body holds a NUL character."""
    if request.blueprint in current_app.extensions.get(_OPTED_OUT, ()):
        return
    if "\x00" in request.path or _holds_nul(request.args) or (request.method != "GET" and _body_holds_nul()):
        raise VitrineError(_("The request contains a NUL character, which no text may hold."), code="nul_character")


def _holds_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _body_holds_nul() -> bool:
    if request.is_json:  # read and bounded by core.api.limit_json_body, which runs first
        return bool(_JSON_NUL.search(request.get_data(cache=True)))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _holds_nul(request.form)
    return False


def init_app(app) -> None:
    """Check every request before its view."""
    app.before_request(refuse_nul)
