"""The JSON API v1 both domains share: the flask-smorest Api object, error bodies, bearer tokens.

Each domain defines its own blueprint and registers it with `register(app, blueprint, tags)`;
one OpenAPI document at /api/v1/openapi.json describes them all. Callers authenticate with
`Authorization: Bearer <token>` only: the session cookie is ignored here because the API is
exempt from CSRF, so honouring the cookie would let any site write.
"""

import functools
import json
import re
import threading
from http import HTTPStatus

import numpy as np
from flask import current_app, jsonify, request
from flask_smorest import Api, Blueprint, abort
from werkzeug.exceptions import HTTPException

from core.auth import Scope, User, token_for
from core.db import db
from core.i18n import _
from core.schemas import ErrorResponseSchema, flatten_messages

API_PATHS = "/api/"
BEARER = "bearerAuth"


class VitrineApi(Api):
    """flask-smorest's Api, answering every API error as {"error": {code, message, field}}."""

    ERROR_SCHEMA = ErrorResponseSchema

    def _register_error_handlers(self):
        # flask-smorest would replace the app-wide HTTPException handler of core.errors,
        # which renders the HTML error pages; keep it for everything outside /api/.
        previous = self._app.error_handler_spec[None][None].get(HTTPException)

        def handle(error):
            if request.path.startswith(API_PATHS) or previous is None:
                return self.handle_http_exception(error)
            return previous(error)

        self._app.register_error_handler(HTTPException, handle)

    def handle_http_exception(self, error):
        """The JSON body of an HTTP error: ours, webargs' 422 and 400, or werkzeug's own."""
        data = getattr(error, "data", None) or {}
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        if error.code == 422 and "messages" in data:
            body = _invalid_arguments(data["messages"])
        elif error.code == 400 and "messages" in data:
            body = _error_body("invalid_json", _("The request body is not valid JSON."))
        else:
            code = data.get("code") or error.name.lower().replace(" ", "_")
            body = _error_body(code, data.get("message") or _http_message(error.code), data.get("field"))
        return jsonify(body), error.code, headers

    # The OpenAPI document is written when first asked for, not while the app is built: describing
    # every schema costs more than the rest of the start of an app (each CLI command builds one).

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register `blp`'s routes now; its pages of the document when the document is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        app = self._app

        def describe(spec):
            blp.register_views_in_doc(self, app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})

        self.later(describe)

    def later(self, step) -> None:
        """Queue `step(spec)`, a change to the app's document, for when the document is first read."""
        self._app.extensions["vitrine.api_document"]["steps"].append(step)

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self._app.extensions["vitrine.api_document"] = {"spec": self.spec, "steps": [], "lock": threading.Lock()}

    def _openapi_json(self):
        self.spec = document(current_app)
        return super()._openapi_json()


def _error_body(code: str, message: str, field: str | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def _invalid_arguments(messages: dict) -> dict:
    problems = flatten_messages(messages) or [(None, _("The request is not valid."))]
    field, problem = problems[0]
    # i18n: a request field's name (e.g. per_page), then what is wrong with it
    message = _("%(field)s: %(problem)s", field=field, problem=problem) if field else problem
    details = [{"field": name, "message": text} for name, text in problems]
    return _error_body("invalid", message, field, details=details)


def _http_message(status: int) -> str:
    messages = {
        400: _("The request is malformed."),
        401: _("Send a valid API token in the header Authorization: Bearer <token>."),
        403: _("You may not do this."),
        404: _("There is nothing at this address of the API."),
        405: _("This address does not accept the method %(method)s.", method=request.method),
        413: _("The request is too large."),
        415: _("This content type is not accepted."),
    }
    return messages.get(status) or _("The request failed (HTTP %(status)s).", status=status)


api = VitrineApi()
# Never registered: flask-smorest's documenting decorators are Blueprint methods, and the
# decorators below annotate views of every domain's blueprint with them.
_annotations = Blueprint("api_annotations", __name__)


def init_app(app) -> None:
    """Set up the API and its OpenAPI document at /api/v1/openapi.json; domains register after."""
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app)
    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    app.before_request(limit_json_body)


# --- JSON bodies -------------------------------------------------------------------------

# A JSON string, escapes included: what holds no structure.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = frozenset(b"[]{}")
_NOT_BRACKETS = bytes(set(range(256)) - _BRACKETS)


def limit_json_body() -> None:
    """Refuse a JSON body larger than JSON_MAX_BYTES (413) or nested deeper than JSON_MAX_DEPTH (400), before
    anything parses it: the whole body is read into memory, and Python's parser fails past about a thousand
    levels with an error no handler expects."""
    if not request.is_json:
        return
    config = current_app.config
    limit = config["JSON_MAX_BYTES"]
    request.max_content_length = min(limit, config.get("MAX_CONTENT_LENGTH") or limit)
    # i18n: the largest JSON body the API reads, in kilobytes
    too_large = _("The JSON body is larger than %(kb)s KB.", kb=limit // 1024)
    if (request.content_length or 0) > limit:
        abort(413, message=too_large, code="too_large")
    try:
        body = request.get_data(cache=True)
    except HTTPException as error:  # a body sent without its length, past the bound
        if error.code == 413:
            abort(413, message=too_large, code="too_large")
        raise
    if json_depth(body) > config["JSON_MAX_DEPTH"]:
        message = _("The JSON body is nested deeper than %(depth)s levels.", depth=config["JSON_MAX_DEPTH"])
        abort(400, message=message, code="too_deep")
    try:  # what webargs would meet later as an error it does not expect: a number of 5,000 digits
        json.loads(body)
    except ValueError as error:  # not UTF-8 and bad syntax included
        # i18n: the parser's own reason follows, in English
        abort(400, message=_("The request body is not valid JSON: %(reason)s", reason=str(error)[:200]),
              code="invalid_json")  # fmt: skip


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (0 for a scalar), read without parsing it."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def register(app, blueprint: Blueprint, tags: list[dict]) -> None:
    """Add a domain's API blueprint and its tags to the document; its routes skip CSRF (tokens only)."""
    for tag in tags:
        api.later(functools.partial(_add_tag, tag))
    api.register_blueprint(blueprint)
    app.extensions["csrf"].exempt(blueprint)


def _add_tag(tag: dict, spec) -> None:
    spec.tag(tag)


def document_spec_route(app) -> None:
    """List the document's own route among the paths, so that every /api/v1 rule is in it."""
    rule = next(app.url_map.iter_rules(f"{api._make_doc_blueprint_name()}.openapi_json"))
    operations = {"get": {"summary": "This OpenAPI document",
                          "responses": {"200": {"description": "OpenAPI 3 document"}}}}  # fmt: skip
    api.later(lambda spec: spec.path(rule=rule, operations=operations))


def document(app):
    """The app's OpenAPI document (an apispec APISpec), written out on the first call."""
    state = app.extensions["vitrine.api_document"]
    with state["lock"]:
        while state["steps"]:
            state["steps"].pop(0)(state["spec"])
    return state["spec"]


# --- Authentication ----------------------------------------------------------------------


def api_user() -> User | None:
    """The user of the request's bearer token, None without one; 401 for a bad token. Read once a request."""
    # Schemas ask too, to leave staff-only fields out for the public: kept on the request (not `g`, which a test's
    # app context shares between requests).
    if hasattr(request, "vitrine_api_user"):
        return request.vitrine_api_user
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _sep, token = header.partition(" ")
    row = token_for(db.session, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if row is None:
        _refuse(_("This API token is not valid, has expired, or its account is disabled."), 'error="invalid_token"')
    request.vitrine_api_user, request.vitrine_api_scopes = row.user, row.scope_set
    return row.user


_READING = frozenset({"GET", "HEAD", "OPTIONS"})


def require_scope(scope: Scope | None = None) -> None:
    """403 unless the request's token has `scope` (by default: write for a change, read otherwise)."""
    if api_user() is None:
        return
    needed = scope or (Scope.READ if request.method in _READING else Scope.WRITE)
    if needed not in request.vitrine_api_scopes:
        message = _("This API token lacks the scope %(scope)s needed here.", scope=needed.value)
        challenge = f'Bearer realm="Vitrine API", error="insufficient_scope", scope="{needed.value}"'
        abort(403, message=message, code="insufficient_scope", headers={"WWW-Authenticate": challenge})


def _refuse(message: str, detail: str = "") -> None:
    challenge = 'Bearer realm="Vitrine API"' + (f", {detail}" if detail else "")
    abort(401, message=message, code="unauthorized", headers={"WWW-Authenticate": challenge})


def token_optional(view):
    """Pass `user` (None for the public) to the view; documents the optional bearer token."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = api_user()
        require_scope()
        return view(*args, user=user, **kwargs)

    return _document(wrapped, [{}, {BEARER: []}])


def token_required(view=None, *, scope: Scope | None = None):
    """Refuse the request with 401 unless it carries a valid token, 403 unless the token has the
    scope (`scope`, else write for a change and read otherwise); pass `user` to the view."""
    if view is None:
        return functools.partial(token_required, scope=scope)

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = api_user()
        if user is None:
            _refuse(_("Send a valid API token in the header Authorization: Bearer <token>."))
        require_scope(scope)
        return view(*args, user=user, **kwargs)

    return _document(wrapped, [{BEARER: []}])


def _document(view, security):
    view = _annotations.alt_response(401, response="UNAUTHORIZED")(view)
    view = _annotations.alt_response(403, response="FORBIDDEN")(view)
    return Blueprint.doc(security=security)(view)


def fails_with(*statuses: int):
    """Document the error responses a view can give; all have the error schema."""

    def decorator(view):
        for status in statuses:
            view = _annotations.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorator
