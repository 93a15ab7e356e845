"""Domain errors and the one place that turns them into pages and JSON."""

from flask import jsonify, make_response, render_template, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core.search import IndexUnavailable
from core.uow import rollback_request


class VitrineError(Exception):
    """A refusal the user can act on; `message` is already in the user's language."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def to_dict(self) -> dict:
        """The API's error body."""
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class ValidationError(VitrineError):
    """Input that breaks a rule: a bad tag, date, code or missing field."""

    status = 422
    code = "invalid"

    def __init__(self, message, field=None, code=None, errors=None):
        super().__init__(message, field, code)
        # Every problem found, for forms that show them all at once.
        self.errors = errors or [(field, message)]

    def to_dict(self) -> dict:
        """The API's error body, with every problem found."""
        body = super().to_dict()
        body["error"]["details"] = [{"field": f, "message": m} for f, m in self.errors]
        return body


class NotFound(VitrineError):
    """The record does not exist, or the user may not know it exists."""

    status = 404
    code = "not_found"


class Gone(VitrineError):
    """The record was public and has been taken down (withdrawn): it is known, and no longer shown."""

    status = 410
    code = "gone"


class Conflict(VitrineError):
    """The record changed since it was read, or would duplicate another."""

    status = 409
    code = "conflict"


class VersionRequired(VitrineError):
    """A change that would overwrite others' without saying which version it was made from (428)."""

    status = 428
    code = "version_required"


class StorageFull(VitrineError):
    """The server's disk (or quota) is full: nothing of the upload was kept (507)."""

    status = 507
    code = "storage_full"


class Forbidden(VitrineError):
    """The user is known but the role or status does not allow the action."""

    status = 403
    code = "forbidden"


def wants_json() -> bool:
    """API paths and clients that ask only for JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def init_app(app) -> None:
    """Register the handlers that render every error the same way."""

    @app.errorhandler(VitrineError)
    def _domain_error(error: VitrineError):
        rollback_request()
        if wants_json():
            return jsonify(error.to_dict()), error.status
        return render_template("error.html", status=error.status, message=error.message), error.status

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(_error: StaleDataError):
        # A versioned row (items, exhibitions) that another request changed between this one's read and its
        # write: on PostgreSQL both read the same version, the second UPDATE finds none. A refusal, never a 500.
        from flask_babel import gettext as _

        return _domain_error(Conflict(_("Someone else changed this record meanwhile. Reload it and try again."),
                                      field="version"))  # fmt: skip

    @app.errorhandler(IndexUnavailable)
    def _search_unavailable(error: IndexUnavailable):
        # A damaged or copied index is the operator's to rebuild; visitors get a page saying so, not a 500.
        from flask_babel import gettext as _

        app.logger.warning("search unavailable: %s; run `flask search reindex`", error)
        rollback_request()
        message = _("Search is being rebuilt. Please try again in a few minutes.")
        if wants_json():
            response = jsonify({"error": {"code": "search_unavailable", "message": message, "field": None}})
        else:
            response = make_response(render_template("error.html", status=503, message=message))
        response.status_code = 503
        response.headers["Retry-After"] = "300"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # Not core.i18n's `_`: its language policy reads core.languages, which raises these errors.
        from flask_babel import gettext as _
        from flask_wtf.csrf import CSRFError

        message = _("The form has expired. Reload the page and try again.") if isinstance(error, CSRFError) else None
        if wants_json():
            body = {"error": {"code": _slug(error.name), "message": message or error.description, "field": None}}
            return jsonify(body), error.code
        return render_template("error.html", status=error.code, message=message), error.code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        rollback_request()
        if wants_json():
            body = {"error": {"code": "server_error", "message": "Internal server error", "field": None}}
            return jsonify(body), 500
        return render_template("error.html", status=500, message=None), 500


def _slug(name: str) -> str:
    return name.lower().replace(" ", "_")
