"""The web face of the OAI-PMH repository: `/oai` for harvesters (blueprint `oai`, GET and POST, open to any
origin) and the admins' page of its identity at /staff/admin/repository (blueprint `oai_admin`)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.db import db
from core.errors import ValidationError
from core.i18n import _
from core.permissions import Permission, permission_required
from core.uow import attempt, reads_first, unit
from interop.oai import datestamps, protocol, repository, tracking
from interop.oai.identifiers import stored_repository_id

bp = Blueprint("oai", __name__)
admin_bp = Blueprint("oai_admin", __name__, template_folder="templates", url_prefix="/staff/admin/repository")
XML = "text/xml; charset=utf-8"
# While no identifier is set: ask harvesters to come back (HTTP 503 with Retry-After, as the protocol's
# section 3.1.2.2 allows), in an hour.
RETRY_AFTER_SECONDS = 3600


@bp.route("/oai", methods=["GET", "POST"])
@reads_first  # a POST only reads: no write lock for it
def endpoint():
    # The bound comes first: what this request reads was committed before any datestamp it leaves out.
    since = tracking.running_since(db.session)
    response_date = min(datestamps.now(), since.replace(microsecond=0)) if since else datestamps.now()
    base_url = current_app.config["BASE_URL"] + url_for("oai.endpoint")
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":  # the protocol's POST: form-encoded arguments in the body
        pairs += list(request.form.items(multi=True))
    identifier = stored_repository_id(db.session) or _adopt_configured()
    if identifier is None:
        message = (
            "This repository has no repository identifier yet, so it cannot name its records: its "
            "administrators must set one (VITRINE_REPOSITORY_ID, or the admin page). Try again later."
        )
        body = protocol.error_document(base_url, response_date, [protocol.OaiError("badArgument", message)])
        return body, 503, {"Content-Type": XML, "Retry-After": str(RETRY_AFTER_SECONDS)}
    info = repository.read_info(db.session)
    repo = protocol.Repository(db.session, base_url, identifier, info.name, info.admin_emails, response_date,
                               _page_size(), float(current_app.config["OAI_TOKEN_HOURS"]),
                               current_app.config["SECRET_KEY"])  # fmt: skip
    return protocol.respond(repo, pairs), 200, {"Content-Type": XML}


def _adopt_configured() -> str | None:
    if not current_app.config.get("REPOSITORY_ID"):
        return None
    with unit("oai.adopt repository id") as session:
        return repository.current_identifier(session)


def _page_size() -> int:
    return max(1, min(int(current_app.config["OAI_PAGE_SIZE"]), 1000))


@bp.after_request
def open_to_any_origin(response):
    """Harvesters and viewers in browsers read the repository from other sites."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- The admins' page ----------------------------------------------------------------------

admins_only = permission_required(Permission.MANAGE_REPOSITORY)


@admin_bp.route("", methods=["GET", "POST"])
@admins_only
def settings():
    values, errors = {}, []
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in ("identifier", "name", "admin_email")}
        try:
            with attempt():
                repository.update(db.session, current_user, values["identifier"] or None, values["name"],
                                  values["admin_email"])  # fmt: skip
        except ValidationError as error:
            errors = error.errors
        else:
            flash(_("The repository's settings are saved."), "success")
            return redirect(url_for("oai_admin.settings"))
    info = repository.read_info(db.session)
    return render_template("interop/oai/repository.html", info=info, values=values, errors=errors,
                           oai_url=current_app.config["BASE_URL"] + url_for("oai.endpoint"),
                           field_errors=_by_field(errors)), 422 if errors else 200  # fmt: skip


def _by_field(errors) -> dict:
    found: dict = {}
    for name, message in errors:
        found.setdefault(name, []).append(message)
    return found
